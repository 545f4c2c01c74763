"""The student's training data, from the store.

Per pool document: a human annotation wins (gold); otherwise the teacher's,
when it succeeded and its confidence is at least the floor. Documents waiting
for review are left out unless asked for. Held-out documents are refused with
a LeakageError. Train/dev split by document hash, so it never changes between
runs; the training set's hash is recorded with the model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass, field

from corpus.alignment import to_gliner_example
from corpus.model import AnnotationStatus, AnnotatorKind, Document, Span, Split
from corpus.store import Store


@dataclass
class Example:
    document: Document
    spans: list[Span]
    origin: str  # "human" or "teacher"

    def gliner(self, labels: tuple[str, ...]) -> dict:
        return to_gliner_example(self.document.text, self.spans, labels)


@dataclass
class TrainingSet:
    train: list[Example]
    dev: list[Example]
    labels: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)
    # labels the base already knew, trained on its own answers to keep them (student/rehearsal.py);
    # not the student's labels: dev, thresholds and the bundle see only `labels`
    kept_labels: tuple[str, ...] = ()
    # the words each label is asked with in training and inference (student/prompts.py); none: names
    prompts: dict[str, str] = field(default_factory=dict)
    # training-side pool documents with no labels to train on (never annotated, failed, below the
    # floor): what self-training may label (student/self_training.py); never dev, never waiting
    unlabelled: list[Document] = field(default_factory=list)

    @property
    def hash(self) -> str:
        """Identifies exactly what was trained on: documents, spans and labels."""
        digest = hashlib.sha256(json.dumps(self.labels + self.kept_labels).encode())
        for example in sorted(self.train + self.dev, key=lambda e: e.document.id):
            spans = [(s.start, s.end, s.label) for s in example.spans]
            digest.update(json.dumps([example.document.id, spans]).encode())
        return digest.hexdigest()[:16]


def in_dev(document_id: str, fraction: float) -> bool:
    """Stable split by hash: the same document is always on the same side."""
    return int(document_id[:8], 16) / 0xFFFFFFFF < fraction


def build_training_set(
    store: Store,
    labels: tuple[str, ...],
    guidelines_version: str | None = None,
    teacher_floor: float = 0.0,
    waiting_for_review: Collection[str] = (),
    include_waiting: bool = False,
    excluded: Collection[str] = (),
    dev_fraction: float = 0.15,
) -> TrainingSet:
    documents = {d.id: d for d in store.documents(split=Split.POOL)}
    chosen: dict[str, Example] = {}
    counts = {"human": 0, "teacher": 0, "below floor": 0, "waiting for review": 0, "failed": 0, "excluded": 0}
    for annotation in store.annotations(document_ids=list(documents)):
        doc_id = annotation.document_id
        if doc_id in excluded or (doc_id in chosen and chosen[doc_id].origin == "human"):
            continue
        kind = annotation.annotator.kind
        if kind is AnnotatorKind.HUMAN:
            chosen[doc_id] = Example(documents[doc_id], _known(annotation.spans, labels), "human")
            continue
        if kind is not AnnotatorKind.TEACHER:
            continue
        if guidelines_version and annotation.guidelines_version != guidelines_version:
            continue
        if annotation.status is not AnnotationStatus.OK:
            counts["failed"] += 1
        elif doc_id in waiting_for_review and not include_waiting:
            counts["waiting for review"] += 1
        elif (annotation.confidence or 0.0) < teacher_floor and not in_dev(doc_id, dev_fraction):
            # the floor filters training only: dev stays the same for every candidate, so they compare
            counts["below floor"] += 1
        else:
            chosen[doc_id] = Example(documents[doc_id], _known(annotation.spans, labels), "teacher")
    counts["excluded"] = sum(1 for doc_id in excluded if doc_id in documents)
    examples = sorted(chosen.values(), key=lambda e: e.document.id)
    for example in examples:
        counts[example.origin] += 1
    used = {*chosen, *excluded, *waiting_for_review}
    data = TrainingSet(
        train=[e for e in examples if not in_dev(e.document.id, dev_fraction)],
        dev=[e for e in examples if in_dev(e.document.id, dev_fraction)],
        labels=labels,
        counts=counts,
        unlabelled=[d for i, d in sorted(documents.items()) if i not in used and not in_dev(i, dev_fraction)],
    )
    refuse_held_out(store, data)
    return data


def refuse_held_out(store: Store, data: TrainingSet) -> None:
    """Raise LeakageError if any training or dev text is a held-out (validation/test) document.

    Keyed by the hash of the text, so it also catches held-out text that arrives by
    another route than the pool (extra training files, hand-built sets)."""
    store.assert_trainable([e.document.id for e in data.train + data.dev])


def _known(spans: list[Span], labels: tuple[str, ...]) -> list[Span]:
    return [s for s in spans if s.label in labels]
