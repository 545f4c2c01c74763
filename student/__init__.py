"""Student stage: fine-tune GLiNER and evaluate it on held-out human labels."""
