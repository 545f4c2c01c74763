"""How good was the teacher where people checked it: precision/recall against the
reviewers, and whether its confidence means anything (calibration)."""

from __future__ import annotations

from dataclasses import dataclass

from corpus.metrics import PRF, score
from corpus.model import AnnotatorKind
from corpus.store import Store


@dataclass
class ReviewMetrics:
    documents: int
    teacher: PRF  # the teacher's spans scored against the reviewers'
    calibration: list[tuple[str, int, float]]  # (confidence bin, documents, mean teacher-vs-reviewer F1)


def review_metrics(store: Store, guidelines_version: str, bins: int = 5) -> ReviewMetrics:
    human = {
        a.document_id: a
        for a in store.annotations(kind=AnnotatorKind.HUMAN, guidelines_version=guidelines_version)
    }
    teacher = {
        a.document_id: a
        for a in store.annotations(
            kind=AnnotatorKind.TEACHER, document_ids=list(human), guidelines_version=guidelines_version
        )
    }
    shared = sorted(set(human) & set(teacher))
    total = score([human[d].spans for d in shared], [teacher[d].spans for d in shared], bootstrap=0)
    groups: list[list[float]] = [[] for _ in range(bins)]
    for doc_id in shared:
        confidence = teacher[doc_id].confidence or 0.0
        agreement = score([human[doc_id].spans], [teacher[doc_id].spans], bootstrap=0).micro
        f1 = 1.0 if not human[doc_id].spans and not teacher[doc_id].spans else agreement.f1
        groups[min(int(confidence * bins), bins - 1)].append(f1)
    calibration = [
        (f"{i / bins:.1f}-{(i + 1) / bins:.1f}", len(g), sum(g) / len(g) if g else 0.0)
        for i, g in enumerate(groups)
    ]
    return ReviewMetrics(len(shared), total.micro, calibration)
