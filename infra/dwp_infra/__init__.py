"""AWS CDK app for the DWP benefits platform: stacks, constructs and per-environment settings."""
