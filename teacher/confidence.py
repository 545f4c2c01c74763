"""How sure the teacher is, per span and per document.

Estimators are pluggable (ConfidenceEstimator). The default works with any
endpoint: self-consistency over several samples. Where the endpoint returns
token logprobs, their per-span probability is averaged in. Later signals (the
student's agreement with the teacher) plug in the same way.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from corpus.model import Span
from corpus.plugins import Plugins


@dataclass
class Sample:
    """One sampled answer for a document: its spans, and logprob-based span probabilities if any."""

    spans: list[Span]
    span_probability: dict[Span, float] | None = None


@dataclass
class Judgement:
    spans: list[Span]  # the spans kept, each with its score
    confidence: float  # the document's, in [0, 1]


@runtime_checkable
class ConfidenceEstimator(Protocol):
    def judge(self, samples: list[Sample]) -> Judgement: ...


# factory(teacher config) -> ConfidenceEstimator; [teacher] confidence picks one
confidence_estimators: Plugins = Plugins("confidence_estimators", "(teacher config)")


@dataclass
class SelfConsistency:
    """Agreement between samples.

    A span's agreement is the share of samples that contain it (same offsets
    and label). Spans at or above `vote_threshold` are kept. The document's
    confidence is the mean over every span any sample proposed of how
    decisively the samples agree on it, max(a, 1 - a): 1 when every sample
    gives the same answer, lower for each span some samples found and others
    did not. With logprobs, a span's score is the mean of its agreement and
    its token probability.
    """

    vote_threshold: float = 0.5

    def judge(self, samples: list[Sample]) -> Judgement:
        if not samples:
            return Judgement([], 0.0)
        counts = Counter(span for sample in samples for span in set(sample.spans))
        agreement = {span: n / len(samples) for span, n in counts.items()}
        kept = []
        for span, share in sorted(agreement.items()):
            if share >= self.vote_threshold:
                probabilities = [
                    s.span_probability[span]
                    for s in samples
                    if s.span_probability and span in s.span_probability
                ]
                score = share if not probabilities else (share + sum(probabilities) / len(probabilities)) / 2
                kept.append(Span(span.start, span.end, span.label, round(score, 4)))
        decisiveness = [max(a, 1 - a) for a in agreement.values()]
        confidence = sum(decisiveness) / len(decisiveness) if decisiveness else 1.0
        scores = [span.score for span in kept if span.score is not None]
        if scores and any(s.span_probability for s in samples):
            # logprobs say how sure the model was of what it kept: fold them into the document's number
            confidence = (confidence + min(scores)) / 2
        return Judgement(_resolve_overlaps(kept), round(confidence, 4))


def _resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Samples may keep overlapping spans; keep the better scored (then longer) one."""
    ranked = sorted(spans, key=lambda s: (-(s.score or 0), -(s.end - s.start), s.start))
    chosen: list[Span] = []
    for span in ranked:
        if all(span.end <= other.start or span.start >= other.end for other in chosen):
            chosen.append(span)
    return sorted(chosen)


def span_probabilities(token_logprobs: list[tuple[str, float]], located) -> dict[Span, float]:
    """Mean token probability of each entity's text inside the model's raw JSON output.

    The tokens are laid end to end to rebuild the output; an entity's tokens are
    those overlapping where its text appears (in order) in that output.
    """
    rebuilt, offsets = [], []
    position = 0
    for token, logprob in token_logprobs:
        offsets.append((position, position + len(token), logprob))
        rebuilt.append(token)
        position += len(token)
    output = "".join(rebuilt)
    result = {}
    cursor = 0
    for entity, span in located:
        if span is None:
            continue
        found = output.find(entity.text, cursor)
        if found < 0:
            continue
        cursor = found + len(entity.text)
        inside = [lp for start, end, lp in offsets if start < cursor and end > found]
        if inside:
            result[span] = math.exp(sum(inside) / len(inside))
    return result


@confidence_estimators.register("self-consistency.v1")
def self_consistency(config) -> SelfConsistency:
    return SelfConsistency(config.vote_threshold)
