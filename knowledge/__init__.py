"""knowledge package (built in its own issue)."""
