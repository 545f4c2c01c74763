"""What a review backend must do (Argilla is the one distil ships): take review tasks,
give back the answers people submitted or discarded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from corpus.model import Span
from corpus.plugins import Plugins
from review.queue import ReviewStatus


class ReviewUnavailable(RuntimeError):
    """The backend cannot be reached: nothing is lost, the items stay queued in the store."""


@dataclass
class ReviewTask:
    document_id: str
    text: str  # the document's text, or one part of a long one
    suggestions: list[Span]  # the teacher's spans, with scores, offsets within `text`
    agent: str  # who suggested them (the teacher model)
    metadata: dict = field(default_factory=dict)  # confidence, disagreement, source, batch, reason, part
    offset: int = 0  # where `text` starts in the document
    parts: int = 1  # how many parts the document was cut into for review
    why: str = ""  # why it was routed, in words (markdown)

    @property
    def record_id(self) -> str:
        return record_id(self.document_id, self.offset, self.parts)


@dataclass
class Answer:
    document_id: str
    reviewer: str
    status: ReviewStatus  # SUBMITTED or DISCARDED
    spans: list[Span]  # offsets within the answered part
    at: datetime | None = None
    offset: int = 0  # the part's offset in the document: spans + offset are document offsets
    parts: int = 1


def record_id(document_id: str, offset: int = 0, parts: int = 1) -> str:
    """A document is one record; each part of a long one is `<document id>@<offset>`."""
    return document_id if parts == 1 else f"{document_id}@{offset}"


def split_record_id(record: str) -> tuple[str, int]:
    document_id, _, offset = record.partition("@")
    return document_id, int(offset or 0)


@dataclass
class PushResult:
    pushed: list[str]  # document ids sent (new or updated)
    kept: list[str]  # already answered there: left untouched


@runtime_checkable
class ReviewBackend(Protocol):
    def push(self, tasks: list[ReviewTask]) -> PushResult: ...

    def answers(self) -> list[Answer]: ...


@runtime_checkable
class Withdraws(Protocol):
    """A backend that can take records back (what `distil review requeue` needs; optional)."""

    def withdraw(self, document_ids: list[str]) -> int:
        """Remove these documents' records and their answers (a later push starts them afresh);
        how many records went."""
        ...


# factory(api_url, api_key, guidelines, config: ReviewConfig) -> ReviewBackend; [review] backend picks one
review_backends: Plugins = Plugins("review_backends", "(api_url, api_key, guidelines, review config)")
