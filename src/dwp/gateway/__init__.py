"""The local stand-in for API Gateway REST: one address in front of every service."""
