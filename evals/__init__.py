"""The agent eval harness (``paas eval``), its cases, and benchmarks for the agent and predictors."""
