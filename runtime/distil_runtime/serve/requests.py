"""What POST /v1/extract accepts, checked before anything is queued."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


class BadRequest(ValueError):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Limits:
    max_texts: int = 64  # per request
    max_chars: int = 20_000  # per text

    @property
    def max_body_bytes(self) -> int:  # every text at its limit, JSON-escaped, plus room for the rest
        return self.max_texts * self.max_chars * 6 + 65_536


@dataclass(frozen=True)
class ExtractRequest:
    texts: list[str]
    labels: tuple[str, ...]
    threshold: float | None  # None: the bundle's (with its labels' own, where it has them)

    @classmethod
    def parse(cls, body: object, limits: Limits, known: Sequence[str]):
        """`{"texts": [...], "labels"?: [...], "threshold"?: 0-1}`; `{"text": "..."}` for one."""
        if not isinstance(body, dict):
            raise BadRequest(422, 'body must be a JSON object like {"texts": ["..."]}')
        unknown_keys = set(body) - {"texts", "text", "labels", "threshold"}
        if unknown_keys:
            raise BadRequest(422, f"unknown fields: {', '.join(sorted(unknown_keys))}")
        texts = _texts(body, limits)
        labels = _labels(body.get("labels"), known)
        return cls(texts, labels, _threshold(body.get("threshold")))


def _texts(body: dict, limits: Limits) -> list[str]:
    if "text" in body and "texts" in body:
        raise BadRequest(422, 'send "text" or "texts", not both')
    texts = [body["text"]] if "text" in body else body.get("texts")
    if not isinstance(texts, list) or not texts:
        raise BadRequest(422, '"texts" must be a non-empty list of strings')
    if len(texts) > limits.max_texts:
        raise BadRequest(413, f"{len(texts)} texts in one request; the limit is {limits.max_texts}")
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise BadRequest(422, f"texts[{index}] is {type(text).__name__}, not a string")
        if not text.strip():
            raise BadRequest(422, f"texts[{index}] is empty")
        if len(text) > limits.max_chars:
            raise BadRequest(
                413, f"texts[{index}] has {len(text)} characters; the limit is {limits.max_chars}"
            )
    return texts


def _labels(asked: object, known: Sequence[str]) -> tuple[str, ...]:
    """A subset of the bundle's labels (all of them by default): the student knows no others."""
    if asked is None:
        if not known:
            raise BadRequest(422, 'this bundle lists no labels: send "labels"')
        return tuple(known)
    if not isinstance(asked, list) or not asked or not all(isinstance(a, str) for a in asked):
        raise BadRequest(422, '"labels" must be a non-empty list of strings')
    unknown = [a for a in asked if a not in known] if known else []
    if unknown:
        raise BadRequest(
            422, f"unknown labels: {', '.join(map(repr, unknown))}; this model knows {', '.join(known)}"
        )
    return tuple(dict.fromkeys(asked))


def _threshold(asked: object) -> float | None:
    if asked is None:
        return None
    if isinstance(asked, bool) or not isinstance(asked, int | float) or not math.isfinite(asked):
        raise BadRequest(422, '"threshold" must be a number between 0 and 1')
    if not 0 < asked < 1:
        raise BadRequest(422, f'"threshold" {asked} is outside (0, 1)')
    return float(asked)
