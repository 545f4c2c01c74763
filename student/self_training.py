"""Self-training: the student labels the pool documents it had no labels for, where it is sure.

Documents the teacher failed on or was unsure of (below `teacher_floor`) are left out of
training. Once a student is trained, it reads them; a document where every entity it finds
(at its own threshold) scores at least `self_training` is kept with those spans as its labels
(origin "student"), and a second student is trained from the same base on both. Documents where
it finds nothing are not kept: "no entity here" from a student that misses many says little.
The second student is kept where dev, which it never trains on, does not prefer the first (or,
as the run asked for it, where dev holds too few entities to choose by: `min_dev_entities`).
"""

from __future__ import annotations

import dataclasses

from corpus.model import Document
from student.config import StudentConfig
from student.data import Example, TrainingSet
from student.predict import predict


def sure_examples(model, documents: list[Document], data: TrainingSet, config: StudentConfig,
                  threshold: float) -> list[Example]:  # fmt: skip
    """The documents whose every span found at `threshold` scores at least `config.self_training`."""
    texts = [d.text for d in documents]
    found = predict(model, texts, list(data.labels), threshold, config.max_words, config.window_overlap)
    return [
        Example(document, spans, "student")
        for document, spans in zip(documents, found, strict=True)
        if spans and min(s.score or 0.0 for s in spans) >= config.self_training
    ]


def with_sure_documents(data: TrainingSet, added: list[Example]) -> TrainingSet:
    """`data` with the student-labelled documents added to training (none left unlabelled)."""
    counts = {**data.counts, "self-trained": len(added)}
    return dataclasses.replace(data, train=data.train + added, counts=counts, unlabelled=[])


def preferred(first, second, dev_can_judge: bool, progress=print):
    """The self-trained `second` unless dev, which neither trains on, prefers `first`; where dev is
    too small to judge by, `second`, as the run asked for it."""
    scores = f"dev F1 {second.dev_f1:.3f} against the first's {first.dev_f1:.3f}"
    if not dev_can_judge:
        progress(f"self-trained student kept ({scores}; dev holds too few entities to choose by)")
        return second
    kept = second if second.dev_f1 >= first.dev_f1 else first
    progress(f"self-trained student: {scores}; {'kept' if kept is second else 'the first is kept'}")
    return kept
