"""Review stage: low-confidence documents to Argilla and back."""
