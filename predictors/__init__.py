"""predictors package (built in its own issue)."""
