"""The domain model every stage speaks: documents, spans, annotations, splits.

Plain frozen dataclasses: cheap to build by the million, hashable, and free of
any storage concern (the store maps them to tables).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


def document_id(text: str) -> str:
    """Stable id of a document: the sha256 of its exact UTF-8 text.

    The same text always gets the same id, whoever ingests it and from whatever
    file: this is what deduplication and held-out enforcement key on.
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def utcnow() -> datetime:
    return datetime.now(UTC)


class Split(StrEnum):
    """Where a document may be used.

    POOL documents may be annotated and trained on. VALIDATION and TEST are
    held out: they carry human labels and must never enter training.
    """

    POOL = "pool"
    VALIDATION = "validation"
    TEST = "test"

    @property
    def held_out(self) -> bool:
        return self is not Split.POOL


class AnnotatorKind(StrEnum):
    TEACHER = "teacher"  # an LLM
    HUMAN = "human"  # a reviewer, or the annotators of an imported gold corpus
    STUDENT = "student"  # a trained GLiNER model


class AnnotationStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"  # the annotator gave up on the document; `error` says why


@dataclass(frozen=True, slots=True)
class Document:
    text: str
    source: str = ""
    metadata: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    split: Split = Split.POOL

    @property
    def id(self) -> str:
        return document_id(self.text)


class SpanError(ValueError):
    """A span that cannot exist in its text (out of range, empty, padded)."""


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A labelled character range [start, end) of a document's text.

    `source` says who produced it ("teacher:<model>", "human:<reviewer>",
    "student:<model>"); spans loaded from the store carry their annotation's
    annotator. Neither score nor source takes part in equality: two spans are
    the same entity when offsets and label agree.
    """

    start: int
    end: int
    label: str
    score: float | None = field(default=None, compare=False)
    source: str | None = field(default=None, compare=False)

    def text_in(self, text: str) -> str:
        return text[self.start : self.end]

    def check(self, text: str) -> Span:
        """Raise SpanError unless this span is a non-empty, trimmed range of `text`.

        Trimmed matters: a span that starts or ends with whitespace cannot be
        expressed in word tokens, so it is rejected here, at the door.
        """
        if not self.label:
            raise SpanError(f"span [{self.start}, {self.end}) has an empty label")
        if not 0 <= self.start < self.end <= len(text):
            raise SpanError(
                f"span [{self.start}, {self.end}) {self.label} is outside the text (length {len(text)})"
            )
        covered = text[self.start : self.end]
        if covered != covered.strip():
            raise SpanError(
                f"span [{self.start}, {self.end}) {self.label} {covered!r} starts or ends with whitespace"
            )
        return self


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) so it neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass(frozen=True, slots=True)
class Annotator:
    """Who produced a set of spans: a teacher model, a human reviewer, a student model."""

    kind: AnnotatorKind
    name: str  # model id, reviewer's user name, or gold corpus name

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass(slots=True)
class Annotation:
    """One annotator's spans over one document."""

    document_id: str
    annotator: Annotator
    spans: list[Span]
    guidelines_version: str = ""
    confidence: float | None = None  # document-level, in [0, 1]
    status: AnnotationStatus = AnnotationStatus.OK
    error: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, slots=True)
class LabelledDocument:
    """A document with the spans a human gave it: what the corpus readers yield."""

    document: Document
    spans: tuple[Span, ...]
