"""A distil bundle on ONNX Runtime: texts in, entities out, with no torch anywhere.

Long texts are read in the same overlapping word windows as distil trains and evaluates
with; windows are batched by length so a short text never pays for a long one's padding,
and entities come back in input order, at document offsets.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from distil_runtime.bundle import BundleFiles
from distil_runtime.decoding import decode
from distil_runtime.encoding import Encoder
from distil_runtime.prompts import asked as ask_in_prompts
from distil_runtime.words import Window, Word, split_words, windows


@dataclass(frozen=True, slots=True)
class Entity:
    start: int  # character offsets, end exclusive
    end: int
    label: str
    score: float
    text: str

    def as_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "score": self.score,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class _Piece:
    text_index: int
    window: Window
    words: list[Word]  # offsets into the whole text
    cost: int  # sub-word tokens, for batching by length


class NerModel:
    def __init__(
        self,
        files: BundleFiles,
        threads: int | None = None,
        providers: Sequence[str] | None = None,
        max_words: int | None = None,
        overlap: int | None = None,
    ):
        """Windows of `max_words` words overlapping by `overlap` (default: what the bundle says)."""
        import onnxruntime as ort

        self.files = files
        self.encoder = Encoder(files.folder, files.config)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        threads = threads or int(os.environ.get("DISTIL_THREADS", "0") or 0)
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3  # onnxruntime's own warnings go to its log, not the caller's terminal
        self.session = ort.InferenceSession(
            str(files.model), sess_options=options, providers=list(providers or ["CPUExecutionProvider"])
        )
        meta = files.meta
        self.labels: tuple[str, ...] = tuple(meta.get("labels") or ())
        self.threshold = float(meta.get("threshold", 0.5))
        # labels with a threshold of their own, chosen on dev when the student was trained
        self.label_thresholds: dict[str, float] = {
            str(k): float(v) for k, v in (meta.get("label_thresholds") or {}).items()
        }
        self.max_words = min(int(max_words or meta.get("max_words", 256)), files.config.max_len)
        self.overlap = int(overlap if overlap is not None else meta.get("window_overlap", 32))

    @classmethod
    def load(cls, folder: Path | str, onnx_file: str | None = None, **options) -> NerModel:
        return cls(BundleFiles.open(folder, onnx_file), **options)

    def extract(
        self,
        texts: Sequence[str],
        labels: Sequence[str] | None = None,
        threshold: float | None = None,
        batch_size: int = 8,
        max_words: int | None = None,
        overlap: int | None = None,
        label_thresholds: Mapping[str, float] | None = None,
    ) -> list[list[Entity]]:
        """Entities per text (flat: no two overlap), sorted by offset. Windows: `max_words` words
        overlapping by `overlap` (default: the bundle's). Without `threshold`, the bundle's
        thresholds (its own per label, where it has them); with it, that one for every label
        unless `label_thresholds` says otherwise. Decoded at the lowest of them, then each entity
        is kept at or above its label's threshold."""
        labels = list(dict.fromkeys(labels or self.labels))  # gliner drops repeated labels too
        if not labels:
            raise ValueError("no labels: pass labels=, or load a distil bundle that lists them")
        if threshold is None:
            threshold, label_thresholds = self.threshold, label_thresholds or self.label_thresholds
        by_label = dict(label_thresholds or {})
        lowest = min([threshold, *by_label.values()])
        max_words = min(max_words or self.max_words, self.files.config.max_len)
        # asked in the words the model was trained with ("person"), answered by name ("PER")
        asked, name_of = ask_in_prompts(labels, self.files.config.label_prompts)
        pieces = self.pieces(texts, asked, max_words, self.overlap if overlap is None else overlap)
        order = sorted(range(len(pieces)), key=lambda i: pieces[i].cost)
        per_piece: list[list] = [[] for _ in pieces]
        for first in range(0, len(order), batch_size):
            chunk = order[first : first + batch_size]
            for i, spans in zip(chunk, self._run([pieces[i] for i in chunk], asked, lowest), strict=True):
                per_piece[i] = spans
        found: list[dict[tuple[int, int, str], float]] = [{} for _ in texts]
        for piece, spans in zip(pieces, per_piece, strict=True):  # in text order: ties merge as before
            for start, end, label, score in spans:
                key = (start, end, name_of[label])
                found[piece.text_index][key] = max(found[piece.text_index].get(key, 0.0), score)
        merged = [_merge(text, scored) for text, scored in zip(texts, found, strict=True)]
        return [[e for e in entities if e.score >= by_label.get(e.label, threshold)] for entities in merged]

    def pieces(
        self, texts: Sequence[str], labels: Sequence[str], max_words: int, overlap: int
    ) -> list[_Piece]:
        """Every text's windows, in text order (a text with no words has none)."""
        budget = self.encoder.text_budget(labels)
        result = []
        for index, text in enumerate(texts):
            words = split_words(text)
            costs = self.encoder.word_costs([w.text for w in words])
            position = 0
            for window in windows(words, costs, budget, max_words, overlap):
                while words[position].start < window.start:
                    position += 1
                end = position
                while end < len(words) and words[end].end <= window.end:
                    end += 1
                result.append(_Piece(index, window, words[position:end], sum(costs[position:end])))
        return result

    def _run(self, batch: list[_Piece], labels: list[str], threshold: float):
        """(start, end, label, score) per piece, at document offsets."""
        word_lists = [[w.text for w in p.words][: self.files.config.max_len] for p in batch]
        inputs = self.encoder.encode(word_lists, labels)
        (logits,) = self.session.run(["logits"], inputs)
        decoded = decode(np.asarray(logits), [len(w) for w in word_lists], threshold)
        return [
            [(p.words[s.start].start, p.words[s.end].end, labels[s.label], s.score) for s in spans]
            for p, spans in zip(batch, decoded, strict=True)
        ]


def _merge(text: str, scored: dict[tuple[int, int, str], float]) -> list[Entity]:
    """Overlapping windows can propose overlapping spans: keep the higher-scored (flat NER)."""
    chosen: list[Entity] = []
    for (start, end, label), score in sorted(scored.items(), key=lambda kv: -kv[1]):
        if all(end <= e.start or start >= e.end for e in chosen):
            chosen.append(Entity(start, end, label, score, text[start:end]))
    return sorted(chosen, key=lambda e: (e.start, e.end, e.label))
