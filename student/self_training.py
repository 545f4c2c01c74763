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
from pathlib import Path

from corpus.model import Document
from student.config import Candidate, StudentConfig
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


def self_trained(data: TrainingSet, candidate: Candidate, config: StudentConfig, first, out_dir: Path,
                 progress=print):  # fmt: skip
    """The second student, trained on `data` and the unlabelled documents `first` is sure about;
    `first` where there are none, or where dev F1 does not rise."""
    from gliner import GLiNER

    from student.train import entity_count, train_candidate

    model = GLiNER.from_pretrained(str(first.path), local_files_only=True)
    added = sure_examples(model, data.unlabelled, data, config, first.threshold)
    progress(f"self-training: sure of {len(added)} of {len(data.unlabelled)} unlabelled documents "
             f"(every span at least {config.self_training})")  # fmt: skip
    if not added:
        return first
    counts = {**data.counts, "self-trained": len(added)}
    wider = dataclasses.replace(data, train=data.train + added, counts=counts, unlabelled=[])
    second = train_candidate(wider, candidate, config, Path(out_dir), progress)
    # recorded as trained on the store's training set (what `trained_already` compares): the
    # documents it added follow from that set and the recipe
    second.training_set_hash = data.hash
    second.save()
    if entity_count(data.dev) < config.min_dev_entities:  # dev too small to judge: as asked
        progress(f"self-trained student kept (dev F1 {second.dev_f1:.3f}, the first's {first.dev_f1:.3f}; "
                 f"dev holds too few entities to choose by)")  # fmt: skip
        return second
    kept = second if second.dev_f1 >= first.dev_f1 else first
    progress(f"self-trained student: dev F1 {second.dev_f1:.3f} against the first's {first.dev_f1:.3f}; "
             f"{'kept' if kept is second else 'the first is kept'}")  # fmt: skip
    return kept
