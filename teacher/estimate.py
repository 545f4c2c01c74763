"""Tokens and cost of a run, before it runs (`distil annotate --estimate`).

Input tokens are counted from the real prompt (guidelines prefix + each
document's chunks + the few-shot turns, at the pool's average example size) at
~4 characters per token, times the samples and the questions per chunk. Output
tokens come from this model's past calls in the store when there are any
(tokens out per input character), else from a conservative prior. Documents
already annotated with the same settings cost nothing and are counted apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import func, select

from corpus.chunking import chunk_text
from corpus.model import Document
from corpus.tables import DocumentRow, TeacherCallRow
from teacher.fewshot import pool_shots
from teacher.ledger import CallStatus
from teacher.plan import CallPlan
from teacher.prompt import ask, shot_answer

CHARS_PER_TOKEN = 4.0
PRIOR_OUT_PER_CHAR = 0.25  # ~1 output token per 4 input characters of document: JSON is verbose


@dataclass
class Estimate:
    documents: int
    cached: int
    calls: int
    tokens_in: int
    tokens_out: int
    cost_usd: float
    out_per_char: float
    calibrated: bool  # output estimate from this model's own history


def estimate(plan: CallPlan, documents: Iterable[Document], batch: int = 1000) -> Estimate:
    """`documents` may be a stream: they are checked against the cache `batch` at a time."""
    config = plan.config
    out_per_char, calibrated = _history(plan)
    seen = cached = calls = tokens_in = tokens_out = 0
    prefix_tokens = (len(plan.system) + _shot_chars(plan)) / CHARS_PER_TOKEN
    questions = config.samples * (len(plan.guidelines.labels) if config.per_label else 1)
    stream = iter(documents)
    while part := list(islice(stream, batch)):
        done = plan.finished(part)
        seen, cached = seen + len(part), cached + len(done)
        for document in part:
            if document.id in done:
                continue
            for chunk in chunk_text(document.text, config.max_chunk_chars, config.chunk_overlap_chars):
                calls += questions
                tokens_in += int((prefix_tokens + len(chunk.text) / CHARS_PER_TOKEN + 20) * questions)
                # per label, each answer holds only that label's entities: the overhead repeats, not the text
                tokens_out += int(15 * questions + len(chunk.text) * out_per_char * config.samples)
    return Estimate(
        documents=seen,
        cached=cached,
        calls=calls,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost_usd=plan.prices.cost(tokens_in, tokens_out),
        out_per_char=out_per_char,
        calibrated=calibrated,
    )


def _shot_chars(plan: CallPlan) -> float:
    """Characters the few-shot turns add to each question: `few_shot` examples of average size."""
    shots = pool_shots(plan.guidelines, plan.store) if plan.config.few_shot else []
    if not shots:
        return 0.0
    sizes = [len(ask(s.text)) + len(shot_answer(s.text, s.entities)) for s in shots]
    return min(plan.config.few_shot, len(shots)) * sum(sizes) / len(sizes)


def _history(plan: CallPlan) -> tuple[float, bool]:
    with plan.store.transaction() as session:
        row = session.execute(
            select(
                func.sum(TeacherCallRow.tokens_out),
                func.sum(func.length(DocumentRow.text) * TeacherCallRow.calls),
            )
            .join(DocumentRow, DocumentRow.id == TeacherCallRow.document_id)
            .where(TeacherCallRow.model == plan.model, TeacherCallRow.status == CallStatus.DONE)
        ).one()
    tokens_out, chars = row
    if tokens_out and chars:
        return tokens_out / chars, True
    return PRIOR_OUT_PER_CHAR, False
