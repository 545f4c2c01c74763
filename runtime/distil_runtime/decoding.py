"""Model scores to entities, vectorised: sigmoid, threshold, spans inside the text, then
GLiNER's greedy flat decoding (highest score first, no overlapping spans)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class WordSpan:
    start: int  # word indices, end inclusive
    end: int
    label: int  # index into the label list
    score: float


def decode(logits: np.ndarray, lengths: Sequence[int], threshold: float) -> list[list[WordSpan]]:
    """`logits` is the graph's (batch, words, width, labels); one list per text, by start."""
    # the sigmoid as 0.5 * (1 + tanh(x / 2)): the same values, and no overflow for very negative
    # logits (padding and masked spans reach -1e4 and below)
    probs = 0.5 * (1.0 + np.tanh(0.5 * logits.astype(np.float32, copy=False)))
    batch, start, width, label = np.nonzero(probs > threshold)
    inside = start + width + 1 <= np.asarray(lengths)[batch]
    batch, start, width, label = batch[inside], start[inside], width[inside], label[inside]
    scores = probs[batch, start, width, label].tolist()
    found: list[list[WordSpan]] = [[] for _ in lengths]
    for b, s, w, c, score in zip(
        batch.tolist(), start.tolist(), width.tolist(), label.tolist(), scores, strict=True
    ):
        found[b].append(WordSpan(s, s + w, c, score))
    return [greedy(candidates) for candidates in found]


def greedy(candidates: list[WordSpan]) -> list[WordSpan]:
    """Keep the best-scored span, drop those overlapping it, repeat (ties: earlier span first)."""
    chosen: list[WordSpan] = []
    for span in sorted(candidates, key=lambda s: -s.score):
        if all(span.start > kept.end or kept.start > span.end for kept in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)
