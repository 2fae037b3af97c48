"""Stand-ins for the external providers: real HTTP servers that follow each provider's published API."""
