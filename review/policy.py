"""Which teacher-labelled documents go to human review, and why.

Order of precedence, all under one budget per run:
1. documents the teacher failed on, or with invalid spans;
2. for each rare label (rarest first), the least confident documents that carry
   it, until `min_per_label` documents with that label are routed;
3. the least confident documents below `threshold` (lowest first);
4. a random audit sample of confident documents (`audit_fraction` of the budget),
   so the confidence itself can be checked against reviewers.
Everything else is accepted with the teacher's labels. Every decision has a reason.
A failed document that does not make the budget gets no decision: the teacher retries it, and
it is routed once it has labels (accepting it would accept labels it does not have).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from corpus.model import Annotation, AnnotationStatus


@dataclass(frozen=True)
class ReviewPolicy:
    budget: int | None = 100  # documents per run; None: no cap
    threshold: float | None = 0.8  # confidence below this asks for review; None: budget alone decides
    min_per_label: int = 3
    rare_share: float = 0.05  # a label is rare below this share of all teacher spans
    audit_fraction: float = 0.1
    seed: int = 0


@dataclass(frozen=True)
class Decision:
    document_id: str
    route: str  # "review" | "accept"
    reason: str
    confidence: float | None


def route(annotations: list[Annotation], policy: ReviewPolicy) -> list[Decision]:
    budget = policy.budget if policy.budget is not None else len(annotations)
    audit_slots = int(round(budget * policy.audit_fraction)) if policy.audit_fraction else 0
    main_budget = budget - audit_slots
    by_confidence = sorted(
        annotations, key=lambda a: (a.confidence if a.confidence is not None else 0.0, a.document_id)
    )
    chosen: dict[str, str] = {}

    def pick(annotation: Annotation, reason: str) -> bool:
        if len(chosen) >= main_budget or annotation.document_id in chosen:
            return False
        chosen[annotation.document_id] = reason
        return True

    for annotation in by_confidence:
        if annotation.status is AnnotationStatus.FAILED:
            pick(annotation, f"teacher failed: {annotation.error}")
        elif annotation.metadata.get("invalid_spans"):
            pick(annotation, f"{annotation.metadata['invalid_spans']} invalid span(s) from the teacher")

    label_counts = Counter(s.label for a in annotations for s in a.spans)
    total = sum(label_counts.values())
    for label, count in sorted(label_counts.items(), key=lambda kv: kv[1]):
        if total and count / total >= policy.rare_share:
            continue
        have = sum(
            1 for a in annotations if a.document_id in chosen and any(s.label == label for s in a.spans)
        )
        for annotation in by_confidence:
            if have >= policy.min_per_label:
                break
            if any(s.label == label for s in annotation.spans) and pick(
                annotation, f"rare label {label} ({count} of {total} spans)"
            ):
                have += 1

    for annotation in by_confidence:
        confidence = annotation.confidence if annotation.confidence is not None else 0.0
        if policy.threshold is not None and confidence >= policy.threshold:
            break
        reason = f"confidence {confidence:.2f}" + (
            f" < {policy.threshold}" if policy.threshold is not None else ""
        )
        pick(annotation, reason + " (least confident first)")

    confident = [a for a in annotations if a.document_id not in chosen and a.status is AnnotationStatus.OK]
    rng = random.Random(policy.seed)
    for annotation in rng.sample(confident, min(audit_slots, len(confident))):
        chosen[annotation.document_id] = "audit: random sample of confident documents"

    decisions = []
    for annotation in annotations:
        if annotation.status is AnnotationStatus.FAILED and annotation.document_id not in chosen:
            continue
        if annotation.document_id in chosen:
            decisions.append(
                Decision(
                    annotation.document_id, "review", chosen[annotation.document_id], annotation.confidence
                )
            )
        else:
            over = policy.threshold is None or (annotation.confidence or 0.0) < policy.threshold
            why = "over this run's review budget" if over else f"confidence >= {policy.threshold}"
            decisions.append(Decision(annotation.document_id, "accept", why, annotation.confidence))
    return decisions
