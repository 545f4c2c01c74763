"""Argilla 2.x as the review backend.

One dataset per guidelines version: a `text` field, a `why` field (the routing
reason in words), an `entities` SpanQuestion with the guidelines' labels, the
guidelines rendered as the dataset's guidelines, and metadata annotators can
filter and sort on. Records are keyed by document id (`<id>@<offset>` for the
parts of a long text), so pushing again updates instead of duplicating, and a
record that already has an answer is never touched again. The dataset's URL
sorts the pending records in the review order (`[review] order`): least confident first, or most
doubtful first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import httpx

from corpus.guideline_model import Guidelines
from corpus.guidelines_render import render_markdown
from corpus.model import Span
from review.backend import (
    Answer,
    PushResult,
    ReviewTask,
    ReviewUnavailable,
    review_backends,
    split_record_id,
)
from review.queue import ReviewStatus

QUESTION = "entities"
FIELD = "text"
WHY = "why"
# the screen's sort for each review order (review/policy.py): the metadata property and direction
SORT_BY_ORDER = {"confidence": ("teacher_confidence", "asc"), "doubt": ("doubtful_spans", "desc")}
# argilla logs connection failures with the request; distil reports them itself
logging.getLogger("argilla").setLevel(logging.CRITICAL)


def dataset_name(guidelines: Guidelines) -> str:
    return f"distil-{guidelines.name}-{guidelines.version}"


@dataclass
class ArgillaBackend:
    api_url: str
    api_key: str = field(repr=False)
    guidelines: Guidelines = field(repr=False)
    workspace: str = "argilla"
    min_submitted: int = 1  # answers per record (TaskDistribution); >1 measures agreement
    order: str = "confidence"  # the review order the screen sorts by (SORT_BY_ORDER)

    def __post_init__(self) -> None:
        import argilla as rg

        self._rg = rg
        try:
            httpx.get(f"{self.api_url.rstrip('/')}/api/_status", timeout=10).raise_for_status()
            self._client = rg.Argilla(api_url=self.api_url, api_key=self.api_key, timeout=60)
            self.dataset = self._dataset()
        except (httpx.HTTPError, OSError) as error:
            raise ReviewUnavailable(
                f"Argilla at {self.api_url} cannot be reached ({type(error).__name__}). The documents stay "
                "queued in the store; start Argilla (docker compose up -d argilla) or set ARGILLA_API_URL, "
                "then run `distil review push` again."
            ) from None

    def _dataset(self):
        rg = self._rg
        name = dataset_name(self.guidelines)
        existing = self._client.datasets(name=name, workspace=self.workspace)
        if existing is not None:
            return existing
        settings = rg.Settings(
            guidelines=render_markdown(self.guidelines),
            fields=[
                rg.TextField(name=FIELD, title="Text", use_markdown=False),
                rg.TextField(name=WHY, title="Why you see this", use_markdown=True, required=False),
            ],
            questions=[
                rg.SpanQuestion(
                    name=QUESTION,
                    field=FIELD,
                    labels=list(self.guidelines.label_names),
                    allow_overlapping=False,
                    title="Mark every entity",
                    description="Correct the suggested spans; add what is missing.",
                )
            ],
            metadata=[
                rg.FloatMetadataProperty("teacher_confidence", title="Teacher confidence"),
                rg.FloatMetadataProperty(
                    "doubtful_spans", title="Doubtful spans (errors the teacher expects)"
                ),
                rg.FloatMetadataProperty("disagreement", title="Samples disagree (share of spans)"),
                rg.TermsMetadataProperty("second_opinion", title="Second opinion"),
                rg.IntegerMetadataProperty("invalid_spans", title="Invalid teacher spans"),
                rg.TermsMetadataProperty("source", title="Source"),
                rg.TermsMetadataProperty("batch", title="Batch"),
                rg.TermsMetadataProperty("routing_reason", title="Why it is here"),
                rg.IntegerMetadataProperty("part", title="Part of the document"),
                rg.IntegerMetadataProperty("parts", title="Parts of the document"),
                rg.IntegerMetadataProperty("offset", title="Offset in the document"),
            ],
            distribution=rg.TaskDistribution(min_submitted=self.min_submitted),
        )
        return rg.Dataset(
            name=name, workspace=self.workspace, settings=settings, client=self._client
        ).create()

    def _answered_ids(self) -> set[str]:
        rg = self._rg
        ids = set()
        for status in ("submitted", "discarded"):
            query = rg.Query(filter=rg.Filter([("response.status", "==", status)]))
            ids.update(str(record.id) for record in self.dataset.records(query=query))
        return ids

    def push(self, tasks: list[ReviewTask]) -> PushResult:
        rg = self._rg
        answered = self._answered_ids()
        records, pushed, kept = [], [], []
        # a dataset made by an older distil lacks the newer field and metadata: leave them out there
        fields = {f.name for f in self.dataset.settings.fields}
        properties = self._properties()
        for task in tasks:
            if task.record_id in answered:
                kept.append(task.document_id)
                continue
            suggestions = []
            if task.suggestions:
                suggestions.append(
                    rg.Suggestion(
                        question_name=QUESTION,
                        value=[{"start": s.start, "end": s.end, "label": s.label} for s in task.suggestions],
                        score=[float(s.score if s.score is not None else 1.0) for s in task.suggestions],
                        agent=task.agent,
                    )
                )
            values = {FIELD: task.text, WHY: task.why}
            records.append(
                rg.Record(
                    id=task.record_id,
                    fields={k: v for k, v in values.items() if k in fields and v},
                    metadata={k: v for k, v in task.metadata.items() if k in properties},
                    suggestions=suggestions,
                )
            )
            pushed.append(task.document_id)
        if records:
            self.dataset.records.log(records)
        return PushResult(sorted(set(pushed)), sorted(set(kept)))

    def answers(self) -> list[Answer]:
        rg = self._rg
        users = {str(user.id): user.username for user in self._client.users}
        out = []
        for status in ("submitted", "discarded"):
            query = rg.Query(filter=rg.Filter([("response.status", "==", status)]))
            for record in self.dataset.records(query=query, with_responses=True):
                for response in record.responses:  # one Response per question and user
                    if response.question_name != QUESTION or _status(response) != status:
                        continue
                    spans = [Span(v["start"], v["end"], v["label"]) for v in (response.value or [])]
                    reviewer = users.get(str(response.user_id), str(response.user_id))
                    document_id, offset = split_record_id(str(record.id))
                    parts = int((record.metadata or {}).get("parts", 1))
                    out.append(
                        Answer(document_id, reviewer, ReviewStatus(status), spans, offset=offset, parts=parts)
                    )
        return out

    def withdraw(self, document_ids: list[str]) -> int:
        wanted = set(document_ids)
        records = [r for r in self.dataset.records() if split_record_id(str(r.id))[0] in wanted]
        if records:
            self.dataset.records.delete(records)
        return len(records)

    def url(self) -> str:
        """Where annotators open this dataset: pending records in the review order (least confident
        first where the dataset, made by an older distil, lacks the doubt order's property)."""
        prop, direction = SORT_BY_ORDER.get(self.order, SORT_BY_ORDER["confidence"])
        if prop not in self._properties():
            prop, direction = SORT_BY_ORDER["confidence"]
        page = f"{self.api_url.rstrip('/')}/dataset/{self.dataset.id}/annotation-mode"
        return f"{page}?page=1&status=pending&sort=metadata.{prop}.{direction}"

    def _properties(self) -> set[str]:
        """The dataset's metadata properties (one made by an older distil lacks the newer ones)."""
        return {p.name for p in self.dataset.settings.metadata}


def _status(response) -> str:
    status = response.status
    return str(getattr(status, "value", status))


@review_backends.register("argilla.v1")
def argilla_backend(api_url: str, api_key: str, guidelines: Guidelines, config) -> ArgillaBackend:
    return ArgillaBackend(api_url, api_key, guidelines, config.workspace, config.min_submitted, config.order)
