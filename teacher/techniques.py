"""What the teacher asks per chunk of a document, given the configured techniques
(few-shot retrieval, constrained decoding, one question per label), and how a
verification pass's verdicts apply to the samples."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from corpus.chunking import Chunk
from corpus.guideline_model import Guidelines
from corpus.model import Span
from teacher.confidence import Sample
from teacher.config import TeacherConfig
from teacher.fewshot import ExamplePool
from teacher.prompt import LABEL_FOCUS, messages, shot_answer
from teacher.schema import entities_model
from teacher.word_runs import substring_candidates


@dataclass
class Question:
    messages: list[dict[str, str]]
    response_model: type[BaseModel]
    labels: tuple[str, ...]  # what the answer may hold


def questions(
    config: TeacherConfig,
    guidelines: Guidelines,
    system: str,
    chunk: Chunk,
    response_models: dict,
    pool: ExamplePool | None = None,
    document_id: str | None = None,
) -> list[Question]:
    """The calls one sample of one chunk takes: one, or one per label with `per_label`.
    `response_models` caches the schema per label set when the text is not constrained."""
    shots = pool.nearest(chunk.text, config.few_shot, exclude=document_id) if pool and config.few_shot else []
    texts = substring_candidates(chunk.text) if config.constrain else None

    def model(labels: tuple[str, ...]) -> type[BaseModel]:
        if texts is not None:
            return entities_model(labels, texts)
        if labels not in response_models:
            response_models[labels] = entities_model(labels)
        return response_models[labels]

    if not config.per_label:
        rendered = [(s.text, shot_answer(s.text, s.entities, texts is None)) for s in shots]
        labels = guidelines.label_names
        return [Question(messages(system, chunk.text, rendered), model(labels), labels)]
    asked = []
    for label in guidelines.labels:
        rendered = [
            (s.text, shot_answer(s.text, [e for e in s.entities if e[1] == label.name], texts is None))
            for s in shots
        ]
        focus = LABEL_FOCUS.format(label=label.name, summary=label.summary.rstrip("."))
        question = messages(system, chunk.text, rendered, focus)
        asked.append(Question(question, model((label.name,)), (label.name,)))
    return asked


@dataclass
class Verification:
    confirmed: set[Span] = field(default_factory=set)
    rejected: set[Span] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)  # chunks whose verdicts never came back usable

    def record(self, spans: list[Span], verdicts: list[bool]) -> None:
        for span, correct in zip(spans, verdicts, strict=True):
            (self.confirmed if correct else self.rejected).add(span)

    def apply(self, samples: list[Sample]) -> list[Sample]:
        """Drop the rejected spans from every sample (a span two overlapping chunks judged
        differently stays: one confirmation is enough)."""
        dropped = self.rejected - self.confirmed
        return [
            Sample(
                [s for s in sample.spans if s not in dropped],
                {s: p for s, p in sample.span_probability.items() if s not in dropped}
                if sample.span_probability
                else None,
            )
            for sample in samples
        ]

    @property
    def confirmed_share(self) -> float | None:
        judged = len(self.confirmed | self.rejected)
        return len(self.confirmed) / judged if judged else None


def spans_in(chunk: Chunk, spans) -> list[Span]:
    return sorted(s for s in spans if s.start >= chunk.start and s.end <= chunk.end)
