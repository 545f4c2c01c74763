"""Inference that never silently truncates (a known GLiNER pain: urchade/GLiNER #183, #378).

GLiNER reads at most `max_len` words and the encoder at most its position
limit in sub-word tokens (labels included). Long texts are cut into windows
of words that fit both, overlapping, and the spans merged back to document
offsets. Windows are batched by length (a short text never pays for a long
one's padding); spans come back in input order.

An exported model (a distil_runtime NerModel) windows and batches the same way
itself: scoring it here scores exactly what is served.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from distil_runtime.words import Window, split_words, windows

from corpus.model import Span
from student import prompts
from student.thresholds import kept, lowest


def subword_costs(tokenizer, words) -> list[int]:
    return [max(1, len(tokenizer.tokenize(w.text))) for w in words]


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
    by_label: Mapping[str, float] | None = None,
) -> list[list[Span]]:
    """Spans per text, with scores; every word of every text is read. `by_label`: labels with a
    threshold of their own (decoded at the lowest, then each span kept above its label's). A model
    trained with label prompts is asked in its prompts' words; spans come back by label name."""
    if hasattr(model, "extract"):  # distil_runtime.NerModel
        found = model.extract(
            texts, labels, threshold, batch_size, max_words, overlap, label_thresholds=by_label
        )
        return [[Span(e.start, e.end, e.label, round(e.score, 4)) for e in entities] for entities in found]
    words, name_of = prompts.asked(labels, prompts.of_model(model))
    pieces = _pieces(model, texts, words, max_words, overlap)
    order = sorted(range(len(pieces)), key=lambda i: pieces[i][3])
    outputs: list[list[dict]] = [[] for _ in pieces]
    for first in range(0, len(order), batch_size):
        chunk = order[first : first + batch_size]
        batch = model.inference(
            [pieces[i][2] for i in chunk],
            words,
            threshold=lowest(threshold, by_label),
            flat_ner=True,
            batch_size=batch_size,
        )
        for i, entities in zip(chunk, batch, strict=True):
            outputs[i] = entities
    found: list[dict[tuple[int, int, str], float]] = [{} for _ in texts]
    for (index, window, _, _), entities in zip(pieces, outputs, strict=True):  # text order: ties merge alike
        for entity in entities:
            label = name_of[entity["label"]]
            key = (window.start + entity["start"], window.start + entity["end"], label)
            found[index][key] = max(found[index].get(key, 0.0), float(entity["score"]))
    return [kept(_merge(spans), threshold, by_label) for spans in found]


def _pieces(model, texts, labels, max_words: int, overlap: int) -> list[tuple[int, Window, str, int]]:
    """(text index, window, window text, sub-word cost) for every window of every text."""
    tokenizer = model.data_processor.transformer_tokenizer
    max_words = min(max_words, int(getattr(model.config, "max_len", max_words)))
    budget = encoder_budget(model, labels)
    pieces = []
    for index, text in enumerate(texts):
        words = split_words(text)
        costs = subword_costs(tokenizer, words)
        for window in windows(words, costs, budget, max_words, overlap):
            inside = sum(c for w, c in zip(words, costs, strict=True) if window.start <= w.start < window.end)
            pieces.append((index, window, text[window.start : window.end], inside))
    return pieces


def _merge(scored: dict[tuple[int, int, str], float]) -> list[Span]:
    """Overlapping windows can propose overlapping spans: keep the higher-scored (flat NER)."""
    chosen: list[Span] = []
    for (start, end, label), score in sorted(scored.items(), key=lambda kv: -kv[1]):
        if all(end <= s.start or start >= s.end for s in chosen):
            chosen.append(Span(start, end, label, round(score, 4)))
    return sorted(chosen)
