"""Four short training texts, two teacher-labelled and two reviewed. Each has its own word count, so
a row of a shuffled batch says which text, and so which origin, it holds."""

from __future__ import annotations

from corpus.model import Document, Span
from student.data import Example, TrainingSet

LABELS = ("PER", "LOC")
TEXTS = [  # each starts with a person
    "Anna Berg moved from Oslo to Bergen in the spring of that year with her two brothers",
    "Paul Martin chaired the committee in Geneva on Tuesday for the whole long session",
    "Maria Costa waited in Lisbon all week for the ferry to the islands",
    "Tom Hardy had never been to the town of Leeds before",
]
ORIGINS = ("teacher", "teacher", "human", "human")


def example(text: str, origin: str) -> Example:
    """The first two words labelled a person; the places are left unlabelled, as a teacher misses them."""
    first, second = text.split()[:2]
    return Example(Document(text), [Span(0, len(first) + 1 + len(second), "PER")], origin)


def mixed_training_set() -> TrainingSet:
    train = [example(t, o) for t, o in zip(TEXTS, ORIGINS, strict=True)]
    return TrainingSet(train=train, dev=[], labels=LABELS)


def origins_of(batch) -> list[str]:
    """The origin of each row of a batch from the trainer's data loader."""
    by_length = {len(t.split()): o for t, o in zip(TEXTS, ORIGINS, strict=True)}
    return [by_length[int(n)] for n in batch["text_lengths"].flatten()]
