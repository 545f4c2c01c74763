"""A second opinion on the teacher's spans: once a student exists, its predictions on
the same document either filter the teacher's spans (keep what both found) or only
feed the confidence (documents where they disagree go to review first).

The teacher never imports the student: `flows/` passes any `SecondOpinion`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from corpus.model import Span


class EnsembleMode(StrEnum):
    OFF = "off"  # the teacher alone
    CONFIDENCE = "confidence"  # agreement feeds the confidence: disagreements go to review first
    FILTER = "filter"  # also keep only the spans both found


class SecondOpinion(Protocol):
    name: str  # recorded with each annotation it judged, e.g. the student's registry id

    def spans(self, text: str) -> list[Span]: ...


@dataclass(frozen=True)
class Agreement:
    opinion: str
    agreed: frozenset[Span]
    teacher_only: frozenset[Span]
    other_only: frozenset[Span]

    @property
    def share(self) -> float:
        """Jaccard agreement of the two span sets (strict: offsets and label); 1.0 when both are empty."""
        union = len(self.agreed) + len(self.teacher_only) + len(self.other_only)
        return len(self.agreed) / union if union else 1.0

    def metadata(self) -> dict:
        return {
            "opinion": self.opinion,
            "agreed": len(self.agreed),
            "teacher_only": len(self.teacher_only),
            "other_only": len(self.other_only),
        }


def compare(teacher: list[Span], other: list[Span], opinion: str) -> Agreement:
    mine, theirs = set(teacher), set(other)  # Span equality ignores score and source
    return Agreement(opinion, frozenset(mine & theirs), frozenset(mine - theirs), frozenset(theirs - mine))


def apply(
    teacher: list[Span], confidence: float, agreement: Agreement, mode: str
) -> tuple[list[Span], float]:
    """The spans and confidence after the second opinion. `filter` keeps only agreed spans;
    both modes average the confidence with the agreement share."""
    spans = [s for s in teacher if s in agreement.agreed] if mode == EnsembleMode.FILTER else teacher
    return spans, round((confidence + agreement.share) / 2, 4)
