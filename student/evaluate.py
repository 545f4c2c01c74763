"""Score models and label sources on the held-out human set, side by side.

The same documents score the teacher's labels, the trained student and the
base model (zero-shot, where it has labels to offer): the headline is the
student against the teacher.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from corpus.metrics import Scores, score
from corpus.model import AnnotatorKind, Document, Span, Split
from corpus.store import Store
from student import thresholds
from student.predict import predict


@dataclass
class HeldOut:
    documents: list[Document]
    gold: list[list[Span]]

    @property
    def texts(self) -> list[str]:
        return [d.text for d in self.documents]


def held_out_set(
    store: Store, split: Split = Split.VALIDATION, labels: tuple[str, ...] | None = None
) -> HeldOut:
    documents = store.documents(split=split)
    human = {
        a.document_id: a
        for a in store.annotations(kind=AnnotatorKind.HUMAN, document_ids=[d.id for d in documents])
    }
    kept = [d for d in documents if d.id in human]
    gold = [[s for s in human[d.id].spans if labels is None or s.label in labels] for d in kept]
    return HeldOut(kept, gold)


def score_model(
    model, held: HeldOut, labels, threshold: float, max_words: int = 256, overlap: int = 32, by_label=None
) -> Scores:
    return score_and_predict(model, held, labels, threshold, max_words, overlap, by_label)[0]


def score_and_predict(
    model, held: HeldOut, labels, threshold: float, max_words: int = 256, overlap: int = 32, by_label=None
) -> tuple[Scores, list]:
    """The scores and what the model predicted, per held-out document (for example errors);
    `by_label`: labels with a threshold of their own."""
    predicted = predict(model, held.texts, labels, threshold, max_words, overlap, by_label=by_label)
    return score(held.gold, predicted, held.texts), predicted


def score_teacher(store: Store, held: HeldOut, model_name: str | None = None) -> Scores | None:
    """The teacher's labels on the held-out documents (annotated for scoring, never trained on)."""
    annotations = store.annotations(kind=AnnotatorKind.TEACHER, document_ids=[d.id for d in held.documents])
    if model_name:
        annotations = [a for a in annotations if a.annotator.name == model_name]
    by_document = {a.document_id: a for a in annotations}
    if not by_document:
        return None
    kept = [i for i, d in enumerate(held.documents) if d.id in by_document]
    predicted = [by_document[held.documents[i].id].spans for i in kept]
    return score([held.gold[i] for i in kept], predicted, [held.texts[i] for i in kept])


def held_out_hash(held: HeldOut) -> str:
    """Identifies a held-out set (documents and their gold spans): scores taken on the same hash
    are comparable, and work done on it need not be redone."""
    digest = hashlib.sha256()
    for document, spans in sorted(zip(held.documents, held.gold, strict=True), key=lambda pair: pair[0].id):
        digest.update(document.id.encode())
        for span in sorted(spans):
            digest.update(f"|{span.start},{span.end},{span.label}".encode())
    return digest.hexdigest()[:16]


class SideBySide(NamedTuple):
    results: dict[str, Scores | None]  # "teacher", "student", and "base (zero-shot)" where it has labels
    held: HeldOut
    predicted: list[list[Span]]  # the student's, per held-out document
    threshold_curve: list[tuple[float, float]]  # the student's held-out F1 at every threshold of the grid


def student_on_held_out(model, held: HeldOut, student, config) -> tuple[Scores, list, list]:
    """The student's scores and predictions at its own thresholds, and its held-out F1 at every
    threshold of the grid (to show what dev's choice cost, never to choose): decoded once at the
    lowest, each threshold is a filter (student/thresholds.py)."""
    by_label = student.label_thresholds
    low_threshold = thresholds.lowest(min([*config.threshold_grid, student.threshold]), by_label)
    low = predict(model, held.texts, student.labels, low_threshold, config.max_words, config.window_overlap)
    predicted = [thresholds.kept(spans, student.threshold, by_label) for spans in low]
    curve = [(t, round(thresholds.micro_f1(held.gold, low, t), 4)) for t in config.threshold_grid]
    return score(held.gold, predicted, held.texts), predicted, curve


def score_side_by_side(store: Store, model_dir: Path, student, split: Split, config) -> SideBySide:
    """The trained student (a TrainedStudent, from `model_dir`), the teacher's labels and the
    base model (zero-shot, where it has labels to offer) on the same held-out documents; with
    the student's predictions and its held-out F1 at every threshold."""
    from gliner import GLiNER

    from student.backbone import OFFLINE_BASES, load_base

    labels = tuple(student.labels)
    held = held_out_set(store, split, labels)
    if not held.documents:
        raise ValueError(f"no human-labelled {split} documents: distil ingest FILE --split {split}")
    results: dict[str, Scores | None] = {"teacher": score_teacher(store, held)}
    model = GLiNER.from_pretrained(str(model_dir), local_files_only=True)
    results["student"], predicted, curve = student_on_held_out(model, held, student, config)
    if student.base not in OFFLINE_BASES:  # a bare encoder has no zero-shot ability to score
        base = load_base(student.base)
        results["base (zero-shot)"] = score_model(
            base, held, labels, 0.5, config.max_words, config.window_overlap
        )
    return SideBySide(results, held, predicted, curve)
