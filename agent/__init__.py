"""The conversation loop, model registry, conversation store, incident workflow and prompts."""
