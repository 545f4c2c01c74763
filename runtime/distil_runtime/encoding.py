"""GLiNER's model inputs, built with `tokenizers` and numpy: the label prompt before the words,
sub-word ids, the mask that maps sub-words to words, and every span up to `max_width` words.

Mirrors gliner's UniEncoderSpanProcessor and SpanDataCollator so the graph sees exactly what
gliner would feed it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from distil_runtime.bundle import ModelConfig


class Encoder:
    def __init__(self, tokenizer_dir: Path, config: ModelConfig):
        self.config = config
        self.tokenizer = Tokenizer.from_file(str(tokenizer_dir / "tokenizer.json"))
        self._costs = Tokenizer.from_file(str(tokenizer_dir / "tokenizer.json"))  # no truncation, no padding
        self._costs.no_truncation()
        self._costs.no_padding()
        settings = _tokenizer_settings(tokenizer_dir)
        self.max_tokens = int(settings.get("model_max_length") or 512)
        self.pad_id = self._pad_id(settings.get("pad_token"))
        # transformers truncates to model_max_length and pads to the longest, set per call
        self.tokenizer.enable_truncation(max_length=min(self.max_tokens, 1 << 31))
        self.tokenizer.enable_padding(pad_id=self.pad_id, pad_token=settings.get("pad_token") or "[PAD]")

    def _pad_id(self, pad_token: str | None) -> int:
        found = self.tokenizer.token_to_id(pad_token) if pad_token else None
        return int(found) if found is not None else 0

    def prompt(self, labels: Sequence[str]) -> list[str]:
        words: list[str] = []
        for label in labels:
            words.append(self.config.ent_token)
            if label:
                words.append(label)
        return [*words, self.config.sep_token]

    def word_costs(self, words: Sequence[str]) -> list[int]:
        """Sub-word tokens per word (at least 1), as the windows count them."""
        if not words:
            return []
        encoded = self._costs.encode_batch(list(words), add_special_tokens=False)
        return [max(1, len(e.ids)) for e in encoded]

    def text_budget(self, labels: Sequence[str]) -> int:
        """Sub-word tokens left for text after the label prompt, under the encoder's position limit."""
        limit = min(self.max_tokens, 512)
        prompt = sum(len(e.ids) + 1 for e in self._costs.encode_batch(list(labels), add_special_tokens=False))
        return max(32, limit - prompt - 4)  # entity markers, [CLS], [SEP]

    def encode(self, texts: Sequence[Sequence[str]], labels: Sequence[str]) -> dict[str, np.ndarray]:
        """One batch of word lists (each already within `max_len`) for one label list."""
        prompt = self.prompt(labels)
        encodings = self.tokenizer.encode_batch(
            [prompt + list(words) for words in texts], is_pretokenized=True
        )
        input_ids = np.array([e.ids for e in encodings], dtype=np.int64)
        attention = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        words_mask = np.array(
            [_words_mask(e.word_ids, len(prompt), self.config.subtoken_pooling) for e in encodings]
        )
        lengths = np.array([[len(words)] for words in texts], dtype=np.int64)
        span_idx, span_mask = spans(lengths[:, 0], self.config.max_width)
        return {
            "input_ids": input_ids,
            "attention_mask": attention,
            "words_mask": words_mask.astype(np.int64),
            "text_lengths": lengths,
            "span_idx": span_idx,
            "span_mask": span_mask,
        }


def spans(lengths: np.ndarray, max_width: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (start, end) word pair, end inclusive, width below `max_width`, laid out start-major
    as the graph reshapes them; spans past a text's last word are masked."""
    longest = max(int(lengths.max()), 1)
    starts = np.repeat(np.arange(longest), max_width)
    ends = starts + np.tile(np.arange(max_width), longest)
    span_idx = np.broadcast_to(np.stack([starts, ends], axis=-1), (len(lengths), longest * max_width, 2))
    span_mask = ends[None, :] <= (lengths[:, None] - 1)
    return np.ascontiguousarray(span_idx, dtype=np.int64), span_mask


def _words_mask(word_ids: Sequence[int | None], skip: int, pooling: str) -> list[int]:
    """1-based word number on the sub-words that represent a word, 0 elsewhere (gliner's
    prepare_word_mask: words are counted as they change, prompt words skipped)."""
    mask, previous, seen = [], None, 0
    for index, word in enumerate(word_ids):
        if word is None:
            mask.append(0)
        else:
            first = word != previous
            seen += first
            following = word_ids[index + 1] if index + 1 < len(word_ids) else None
            chosen = (
                pooling in ("mean", "max")
                or (pooling == "first" and first)
                or (pooling == "last" and following != word)
            )
            mask.append(seen - skip if chosen and seen > skip else 0)
        previous = word
    return mask


def _tokenizer_settings(folder: Path) -> dict:
    path = folder / "tokenizer_config.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))
