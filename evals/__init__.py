"""evals package (built in its own issue)."""
