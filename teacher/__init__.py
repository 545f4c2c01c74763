"""Teacher stage: bulk annotation by an LLM against the guidelines."""
