"""Character spans <-> GLiNER word tokens, both ways, exactly.

GLiNER trains on word tokens (`tokenized_text` plus inclusive token-index
spans) and predicts character offsets. We tokenize with GLiNER's own word
pattern so training and inference see the same words, and additionally cut a
token wherever a span boundary falls inside it ("New York-based" with the span
"New York"). That cut is what makes the round trip exact on any text: every
trimmed character span starts at a token start and ends at a token end.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from corpus.model import Span, SpanError

# gliner.data_processing.tokenizer.WhitespaceTokenSplitter uses this pattern.
WORD_PATTERN = re.compile(r"\w+(?:[-_]\w+)*|\S")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class TokenSpan:
    """Inclusive token indices, GLiNER's convention: [start, end] both inside the span."""

    start: int
    end: int
    label: str
    score: float | None = None


class AlignmentError(ValueError):
    pass


def tokenize(text: str, cut_at: Iterable[int] = ()) -> list[Token]:
    """Split `text` into GLiNER words, also splitting any word at the offsets in `cut_at`."""
    cuts = sorted(set(cut_at))
    tokens: list[Token] = []
    for match in WORD_PATTERN.finditer(text):
        start, end = match.span()
        inner = list(_between(cuts, start, end))
        for piece_start, piece_end in zip([start, *inner], [*inner, end], strict=True):
            tokens.append(Token(text[piece_start:piece_end], piece_start, piece_end))
    return tokens


def _between(sorted_cuts: list[int], start: int, end: int) -> Iterable[int]:
    """The cuts strictly inside (start, end)."""
    i = bisect_right(sorted_cuts, start)
    while i < len(sorted_cuts) and sorted_cuts[i] < end:
        yield sorted_cuts[i]
        i += 1


def to_token_spans(text: str, spans: Sequence[Span]) -> tuple[list[Token], list[TokenSpan]]:
    """Tokenize `text` so every span falls on token boundaries, and map the spans."""
    for span in spans:
        span.check(text)
    tokens = tokenize(text, (offset for s in spans for offset in (s.start, s.end)))
    by_start = {t.start: i for i, t in enumerate(tokens)}
    by_end = {t.end: i for i, t in enumerate(tokens)}
    token_spans = []
    for span in spans:
        first, last = by_start.get(span.start), by_end.get(span.end)
        if first is None or last is None:  # cannot happen for checked spans; guard the invariant
            raise AlignmentError(f"span {span} does not fall on token boundaries of {text!r}")
        token_spans.append(TokenSpan(first, last, span.label, span.score))
    return tokens, token_spans


def to_char_spans(tokens: Sequence[Token], token_spans: Iterable[TokenSpan]) -> list[Span]:
    spans = []
    for ts in token_spans:
        if not 0 <= ts.start <= ts.end < len(tokens):
            raise AlignmentError(f"token span [{ts.start}, {ts.end}] outside {len(tokens)} tokens")
        spans.append(Span(tokens[ts.start].start, tokens[ts.end].end, ts.label, ts.score))
    return spans


def to_gliner_example(text: str, spans: Sequence[Span], labels: Sequence[str] | None = None) -> dict:
    """One GLiNER training example. `labels` lists every label of the task (GLiNER's
    `ner_labels`), so labels with no span in this document are still shown to the
    model, as negatives."""
    tokens, token_spans = to_token_spans(text, spans)
    example = {
        "tokenized_text": [t.text for t in tokens],
        "ner": [[ts.start, ts.end, ts.label] for ts in token_spans],
    }
    if labels is not None:
        example["ner_labels"] = list(labels)
    return example


__all__ = [
    "AlignmentError",
    "SpanError",
    "Token",
    "TokenSpan",
    "WORD_PATTERN",
    "to_char_spans",
    "to_gliner_example",
    "to_token_spans",
    "tokenize",
]
