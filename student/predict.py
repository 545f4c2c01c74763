"""Inference that never silently truncates (a known GLiNER pain: urchade/GLiNER #183, #378).

GLiNER reads at most `max_len` words and the encoder at most its position
limit in sub-word tokens (labels included). Long texts are cut into windows
of words that fit both, overlapping, and the spans merged back to document
offsets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from corpus.alignment import tokenize
from corpus.model import Span


@dataclass(frozen=True)
class Window:
    start: int  # character offsets into the document
    end: int


def windows(text: str, word_costs: Sequence[int], budget: int, max_words: int, overlap: int) -> list[Window]:
    """Word windows whose sub-word cost fits `budget` and word count fits `max_words`."""
    tokens = tokenize(text)
    if not tokens:
        return []
    result, first = [], 0
    while first < len(tokens):
        last, cost = first, 0
        while last < len(tokens) and last - first < max_words and cost + word_costs[last] <= budget:
            cost += word_costs[last]
            last += 1
        last = max(last, first + 1)  # a single word over budget still gets its own window
        result.append(Window(tokens[first].start, tokens[last - 1].end))
        if last >= len(tokens):
            break
        first = max(first + 1, last - overlap)
    return result


def subword_costs(tokenizer, text: str) -> list[int]:
    return [max(1, len(tokenizer.tokenize(t.text))) for t in tokenize(text)]


def encoder_budget(model, labels: Sequence[str]) -> int:
    """Sub-word tokens left for text after the label prompt, under the encoder's position limit."""
    tokenizer = model.data_processor.transformer_tokenizer
    limit = min(getattr(tokenizer, "model_max_length", 512) or 512, 512)
    prompt = sum(len(tokenizer.tokenize(label)) + 1 for label in labels) + 4  # markers, [CLS], [SEP]
    return max(32, limit - prompt)


def predict(
    model,
    texts: Sequence[str],
    labels: Sequence[str],
    threshold: float,
    max_words: int = 256,
    overlap: int = 32,
    batch_size: int = 8,
) -> list[list[Span]]:
    """Spans per text, with scores; every word of every text is read."""
    tokenizer = model.data_processor.transformer_tokenizer
    max_words = min(max_words, int(getattr(model.config, "max_len", max_words)))
    budget = encoder_budget(model, labels)
    pieces: list[tuple[int, Window, str]] = []
    for index, text in enumerate(texts):
        for window in windows(text, subword_costs(tokenizer, text), budget, max_words, overlap):
            pieces.append((index, window, text[window.start : window.end]))
    found: list[dict[tuple[int, int, str], float]] = [{} for _ in texts]
    for i in range(0, len(pieces), batch_size):
        batch = pieces[i : i + batch_size]
        outputs = model.inference(
            [p[2] for p in batch], list(labels), threshold=threshold, flat_ner=True, batch_size=batch_size
        )
        for (index, window, _), entities in zip(batch, outputs, strict=True):
            for entity in entities:
                key = (window.start + entity["start"], window.start + entity["end"], entity["label"])
                found[index][key] = max(found[index].get(key, 0.0), float(entity["score"]))
    return [_merge(spans) for spans in found]


def _merge(scored: dict[tuple[int, int, str], float]) -> list[Span]:
    """Overlapping windows can propose overlapping spans: keep the higher-scored (flat NER)."""
    chosen: list[Span] = []
    for (start, end, label), score in sorted(scored.items(), key=lambda kv: -kv[1]):
        if all(end <= s.start or start >= s.end for s in chosen):
            chosen.append(Span(start, end, label, round(score, 4)))
    return sorted(chosen)
