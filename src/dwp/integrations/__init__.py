"""The integrations service: the one service allowed to call HMRC and the NHS, every access audited."""
