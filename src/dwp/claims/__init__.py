"""The claims service: a claim's answers, lifecycle, to-dos, work items, evidence and decisions."""
