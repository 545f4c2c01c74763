"""Agreement between annotators who answered the same record, per label: pairwise strict span
F1, summed over every pair as (2 x spans both marked, spans either marked), so counts from
many documents and pulls add up. Each human annotation keeps its own counts in its metadata
(`agreement`), which is what `distil status` and the report read."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations

from corpus.model import Span

Counts = dict[str, list[int]]  # label -> [2 x agreed, marked by either]


def pair_counts(answers: list[list[Span]]) -> Counts:
    """Counts over every pair of answers to one record."""
    counts: Counts = {}
    for a, b in combinations(answers, 2):
        first, second = set(a), set(b)
        for span in first | second:
            both = span in first and span in second
            entry = counts.setdefault(span.label, [0, 0])
            # a shared span counts twice on both sides; a one-sided span once in the total
            entry[0] += 2 if both else 0
            entry[1] += 2 if both else 1
    return counts


def add_counts(total: Counts, more: Counts) -> Counts:
    for label, (agreed, marked) in more.items():
        entry = total.setdefault(label, [0, 0])
        entry[0] += agreed
        entry[1] += marked
    return total


def per_label_f1(counts: Counts) -> dict[str, float]:
    """F1 between annotators per label, and over all labels as "all"."""
    out = {label: round(agreed / marked, 3) for label, (agreed, marked) in sorted(counts.items()) if marked}
    agreed, marked = sum(c[0] for c in counts.values()), sum(c[1] for c in counts.values())
    if marked:
        out["all"] = round(agreed / marked, 3)
    return out


def stored_agreement(metadata: Iterable[dict]) -> dict[str, float]:
    """Per-label agreement over the annotations whose metadata carries counts."""
    total: Counts = {}
    for entry in metadata:
        add_counts(total, entry.get("agreement") or {})
    return per_label_f1(total)
