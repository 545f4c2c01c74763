"""Review budgets, the training labels: which pool documents are reviewed (routed or at random),
which are left out below the teacher's confidence floor, and how good the labels are after review."""

from __future__ import annotations

import hashlib
import json
import random
import statistics

from corpus.metrics import score
from corpus.model import Annotation, AnnotationStatus
from review.policy import ReviewPolicy, route


def confident(item, annotations: dict[str, Annotation], floor: float) -> bool:
    """Whether a pool document's teacher labels reach `floor` (always, where there is no floor)."""
    annotation = annotations.get(item.document.id)
    return not floor or bool(annotation and (annotation.confidence or 0.0) >= floor)


def spans(annotation: Annotation | None) -> list:
    return annotation.spans if annotation and annotation.status is AnnotationStatus.OK else []


def chosen(pool, annotations: dict[str, Annotation], budget: int, how: str, seed: int) -> set[str]:
    ids = [item.document.id for item in pool]
    if how == "random":
        return set(random.Random(seed).sample(ids, budget))
    # "routed": the policy's default order (confidence); "doubt": its doubt order
    policy = ReviewPolicy(
        budget=budget, threshold=None, seed=seed, order="doubt" if how == "doubt" else "confidence"
    )
    decisions = route([annotations[i] for i in ids if i in annotations], policy)
    return {d.document_id for d in decisions if d.route == "review"}


def label_quality(pool, gold, annotations, reviewed: set[str]) -> tuple[float, float, int]:
    """Training labels after review against the gold: micro F1, the share of the reviewed
    documents on which the teacher had been wrong, and how many span errors (missed or spurious)
    the review fixed in them."""
    labels = [g if item.document.id in reviewed else spans(annotations.get(item.document.id))
              for item, g in zip(pool, gold, strict=True)]  # fmt: skip
    errors = [
        len(set(g) ^ set(spans(annotations.get(item.document.id))))
        for item, g in zip(pool, gold, strict=True)
        if item.document.id in reviewed
    ]
    wrong = sum(e > 0 for e in errors) / len(errors) if errors else 0.0
    return score(gold, labels, bootstrap=0).micro.f1, wrong, sum(errors)


def training_labels_id(pool, gold, annotations, reviewed: set[str]) -> str:
    """A digest of what a student learns from (per pool document: its gold if reviewed, else the
    teacher's spans, else left out), stored with its row: a cached student trained on other labels
    (a document that failed once and was annotated on a re-run, say) is trained again."""
    parts = []
    for item, g in zip(pool, gold, strict=True):
        i, annotation = item.document.id, annotations.get(item.document.id)
        if i in reviewed:
            parts.append([i, "reviewed", sorted((s.start, s.end, s.label) for s in g)])
        elif annotation and annotation.status is AnnotationStatus.OK:
            parts.append([i, "teacher", sorted((s.start, s.end, s.label) for s in annotation.spans)])
        else:
            parts.append([i, "left out"])
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def quarter_floor(pool, annotations: dict[str, Annotation]) -> float:
    """The lowest confidence that leaves out at least the least confident quarter of the teacher's
    pool documents (documents below it are left out). Confidences tie (the ensemble's agreement
    takes a few values), so the quarter's value itself is kept out too; 0 where all tie."""
    ok = [annotations.get(item.document.id) for item in pool]
    values = sorted(a.confidence or 0.0 for a in ok if a and a.status is AnnotationStatus.OK)
    if not values:
        return 0.0
    above = [v for v in values if v > values[len(values) // 4]]
    return above[0] if above else 0.0


def characters(pool, reviewed: set[str]) -> int:
    """What the reviewers read: the reviewed documents' characters."""
    return sum(len(item.document.text) for item in pool if item.document.id in reviewed)


def entities(pool, gold, reviewed: set[str]) -> int:
    """The gold entities in the reviewed documents: what the reviewers mark, and the students learn."""
    return sum(len(g) for item, g in zip(pool, gold, strict=True) if item.document.id in reviewed)


def label_quality_at(pool, gold, annotations, n: int, seeds: int) -> dict:
    """The training labels after reviewing `n` routed documents, and `n` random ones (averaged over
    `seeds` draws, with the spread of their F1), and `n` routed in doubt order; `read`: the characters
    reviewed, routed, random and by doubt; `entities`: their gold entities, the same three ways, and
    the pool's per document."""
    routed_ids = chosen(pool, annotations, n, "routed", 0)
    doubt_ids = chosen(pool, annotations, n, "doubt", 0)
    random_ids = [chosen(pool, annotations, n, "random", seed) for seed in range(seeds)]
    draws = [label_quality(pool, gold, annotations, ids) for ids in random_ids]
    drawn = statistics.mean(characters(pool, ids) for ids in random_ids)
    read = (characters(pool, routed_ids), drawn, characters(pool, doubt_ids))
    marked = statistics.mean(entities(pool, gold, ids) for ids in random_ids)
    per_document = sum(map(len, gold)) / len(pool)
    found = (entities(pool, gold, routed_ids), marked, entities(pool, gold, doubt_ids), per_document)
    return {"routed": label_quality(pool, gold, annotations, routed_ids),
            "doubt": label_quality(pool, gold, annotations, doubt_ids),
            "random": [statistics.mean(d) for d in zip(*draws, strict=True)],
            "random_sd": statistics.pstdev(d[0] for d in draws), "read": read, "entities": found}  # fmt: skip
