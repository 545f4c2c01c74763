"""Which teacher-labelled documents go to human review, and why.

Order of precedence, all under one budget per run:
1. documents the teacher failed on (and, in `confidence` order, those with invalid spans);
2. for each rare label (rarest first), the first documents in the order that carry it, until
   `min_per_label` documents with that label are routed;
3. the documents below `threshold`, in the order;
4. a random audit sample of confident documents (`audit_fraction` of the budget),
   so the confidence itself can be checked against reviewers.
Everything else is accepted with the teacher's labels. Every decision has a reason.

Two orders (`order`):
- `confidence` (the default): least confident first, invalid spans before them;
- `doubt`: most doubtful first, a document's doubt being the number of its span decisions the
  teacher expects to have wrong: (1 - confidence) x the spans its confidence weighed
  (`weighed_spans`, or its kept spans in annotations from before). Invalid spans are named in the
  reason but do not jump the queue.
On the 1.5B teacher's wikigold labels, 10% routed by doubt fixed 503 span errors (labels F1 0.695)
where confidence order fixed 186 (0.606) and a random 10% 165 (0.601); yet the students trained on
the doubt-routed labels scored no better than the random ones, -0.026 [-0.06, +0.01] over three
pairs, where confidence order's were ahead, +0.037 [+0.01, +0.07]; on NCBI its one student was
ahead of random within the noise (BENCHMARKS.md, "Review budgets"). So `doubt` serves a team whose
goal is the labels themselves (a gold corpus), and the default stays with the order whose students
came out ahead.
A failed document that does not make the budget gets no decision: the teacher retries it, and
it is routed once it has labels (accepting it would accept labels it does not have).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from corpus.model import Annotation, AnnotationStatus


@dataclass(frozen=True)
class ReviewPolicy:
    budget: int | None = 100  # documents per run; None: no cap
    threshold: float | None = 0.8  # confidence below this asks for review; None: budget alone decides
    min_per_label: int = 3
    rare_share: float = 0.05  # a label is rare below this share of all teacher spans
    audit_fraction: float = 0.1
    seed: int = 0
    order: str = "confidence"  # "confidence": least confident first; "doubt": most expected errors first


class Route(StrEnum):
    REVIEW = "review"  # goes to annotators
    ACCEPT = "accept"  # the teacher's labels stand


@dataclass(frozen=True)
class Decision:
    document_id: str
    route: Route
    reason: str
    confidence: float | None


def route(annotations: list[Annotation], policy: ReviewPolicy) -> list[Decision]:
    budget = policy.budget if policy.budget is not None else len(annotations)
    audit_slots = int(round(budget * policy.audit_fraction)) if policy.audit_fraction else 0
    ordered = in_review_order(annotations, policy.order)
    chosen = _Chosen(budget - audit_slots)
    for annotation in ordered:
        if annotation.status is AnnotationStatus.FAILED:
            chosen.pick(annotation, f"teacher failed: {annotation.error}")
        elif policy.order == "confidence" and annotation.metadata.get("invalid_spans"):
            chosen.pick(
                annotation, f"{annotation.metadata['invalid_spans']} invalid span(s) from the teacher"
            )
    _pick_rare_labels(annotations, ordered, chosen, policy)
    for annotation in ordered:
        confidence = _confidence(annotation)
        if policy.threshold is not None and confidence >= policy.threshold:
            continue  # sure enough, however many spans it has
        reason = f"confidence {confidence:.2f}" + (
            f" < {policy.threshold}" if policy.threshold is not None else ""
        )
        chosen.pick(annotation, reason + _order_words(annotation, policy.order))
    confident = [
        a for a in annotations if a.document_id not in chosen.reasons and a.status is AnnotationStatus.OK
    ]
    for annotation in random.Random(policy.seed).sample(confident, min(audit_slots, len(confident))):
        chosen.reasons[annotation.document_id] = "audit: random sample of confident documents"
    return _decisions(annotations, chosen.reasons, policy)


def _confidence(annotation: Annotation) -> float:
    return annotation.confidence if annotation.confidence is not None else 0.0


def in_review_order(annotations: list[Annotation], order: str) -> list[Annotation]:
    """The annotations as `order` ranks them: least confident first, or most doubtful first."""
    if order == "doubt":
        return sorted(annotations, key=lambda a: (-doubt(a), _confidence(a), a.document_id))
    if order == "confidence":
        return sorted(annotations, key=lambda a: (_confidence(a), a.document_id))
    raise ValueError(f"review order {order!r}: use 'confidence' or 'doubt'")


def _order_words(annotation: Annotation, order: str) -> str:
    if order == "confidence":
        return " (least confident first)"
    words = f", {doubt(annotation):.1f} doubtful span(s)"
    if invalid := annotation.metadata.get("invalid_spans"):
        words += f", {invalid} invalid span(s) from the teacher"
    return words + " (most doubtful first)"


def doubt(annotation: Annotation) -> float:
    """How many of the document's span decisions the teacher expects to have wrong (at least one
    decision: an empty answer at low confidence may have missed an entity)."""
    weighed = annotation.metadata.get("weighed_spans", len(annotation.spans))
    return (1.0 - _confidence(annotation)) * max(1, weighed)


class _Chosen:
    """The documents routed to review so far, with why, under the budget (audit slots aside)."""

    def __init__(self, budget: int):
        self.budget, self.reasons = budget, {}

    def pick(self, annotation: Annotation, reason: str) -> bool:
        if len(self.reasons) >= self.budget or annotation.document_id in self.reasons:
            return False
        self.reasons[annotation.document_id] = reason
        return True


def _pick_rare_labels(annotations, ordered, chosen: _Chosen, policy: ReviewPolicy) -> None:
    """For each rare label, rarest first: its first documents in the order, until `min_per_label`."""
    label_counts = Counter(s.label for a in annotations for s in a.spans)
    total = sum(label_counts.values())
    for label, count in sorted(label_counts.items(), key=lambda kv: kv[1]):
        if total and count / total >= policy.rare_share:
            continue
        carries = lambda a, label=label: any(s.label == label for s in a.spans)  # noqa: E731
        have = sum(1 for a in annotations if a.document_id in chosen.reasons and carries(a))
        for annotation in ordered:
            if have >= policy.min_per_label:
                break
            if carries(annotation) and chosen.pick(
                annotation, f"rare label {label} ({count} of {total} spans)"
            ):
                have += 1


def _decisions(annotations, chosen: dict[str, str], policy: ReviewPolicy) -> list[Decision]:
    decisions = []
    for annotation in annotations:
        if annotation.status is AnnotationStatus.FAILED and annotation.document_id not in chosen:
            continue
        if annotation.document_id in chosen:
            decisions.append(
                Decision(
                    annotation.document_id,
                    Route.REVIEW,
                    chosen[annotation.document_id],
                    annotation.confidence,
                )
            )
        else:
            over = policy.threshold is None or (annotation.confidence or 0.0) < policy.threshold
            why = "over this run's review budget" if over else f"confidence >= {policy.threshold}"
            decisions.append(Decision(annotation.document_id, Route.ACCEPT, why, annotation.confidence))
    return decisions
