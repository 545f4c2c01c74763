"""Label prompts: a model trained to be asked "person" for PER is asked "person", answered "PER".

The prompts live in the model's gliner_config.json (`label_prompts`, written by distil when it
trains). A label without one, or one whose words another asked label already uses (PER and
person asked together), is asked by its own name, so every asked label stays distinct.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def asked(labels: Sequence[str], prompts: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
    """The words to ask the model for `labels` (in order), and the way back to the label names."""
    words: list[str] = []
    for label in labels:
        prompt = prompts.get(label, label)
        taken = prompt in words or (prompt != label and prompt in labels)
        words.append(label if taken else prompt)
    return words, dict(zip(words, labels, strict=True))
