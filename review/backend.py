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
    text: str
    suggestions: list[Span]  # the teacher's spans, with scores
    agent: str  # who suggested them (the teacher model)
    metadata: dict = field(default_factory=dict)  # confidence, invalid spans, source, batch, routing reason


@dataclass
class Answer:
    document_id: str
    reviewer: str
    status: ReviewStatus  # SUBMITTED or DISCARDED
    spans: list[Span]
    at: datetime | None = None


@dataclass
class PushResult:
    pushed: list[str]  # document ids sent (new or updated)
    kept: list[str]  # already answered there: left untouched


@runtime_checkable
class ReviewBackend(Protocol):
    def push(self, tasks: list[ReviewTask]) -> PushResult: ...

    def answers(self) -> list[Answer]: ...


# factory(api_url, api_key, guidelines, config: ReviewConfig) -> ReviewBackend; [review] backend picks one
review_backends: Plugins = Plugins("review_backends", "(api_url, api_key, guidelines, review config)")
