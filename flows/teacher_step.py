"""Annotate the pool with the teacher: the configured endpoint, or the embedded local one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from corpus.database import in_batches
from corpus.model import AnnotatorKind, Document, Split
from corpus.store import Store
from flows.project import Project
from flows.second_opinion import current_student, student_opinion
from flows.settings import Settings
from teacher.annotate import TeacherRun
from teacher.breaker import CircuitBreaker
from teacher.confidence import confidence_estimators
from teacher.endpoint import TeacherEndpoint, teacher_endpoints
from teacher.ensemble import EnsembleMode
from teacher.estimate import Estimate, estimate
from teacher.ledger import CallLedger, Paid
from teacher.local_server import local_alias, local_teacher, server_gone
from teacher.plan import CallPlan
from teacher.summary import RunSummary

READ_BATCH = 1000  # documents read from the store at once: memory stays flat in the pool's size


@contextmanager
def teacher_target(settings: Settings, progress: Callable[[str], None] = print) -> Iterator[tuple[str, str]]:
    """(base URL, model name) of the teacher: the configured endpoint, or the local llama.cpp
    server, started here and stopped when the block ends."""
    config = settings.teacher
    if config.base_url:
        yield config.base_url, teacher_model_name(settings)
        return
    progress(f"no teacher endpoint configured: starting the local llama.cpp teacher ({config.local_model})")
    with local_teacher(config.local_model, context=config.local_context, progress=progress) as target:
        yield target


def endpoint_for(settings: Settings, base_url: str, model: str) -> TeacherEndpoint:
    """A client for the teacher, of the kind `[teacher] endpoint` names; the key comes from
    settings (never passed around, so never stored as a flow parameter)."""
    config = settings.teacher
    configured = config.api_key is not None and base_url == config.base_url
    key = config.api_key.get_secret_value() if configured else "not-needed"
    return teacher_endpoints.get(config.endpoint)(config, base_url, model, key)


def ids_of(store: Store, split: Split = Split.POOL, limit: int | None = None) -> list[str]:
    """The pool (to train on), or a held-out split: the teacher labels those only so that the
    teacher can be scored on them next to the student; training never reads them. Pool
    documents people already labelled are not sent to the teacher (their labels win anyway).
    Ids only: texts are read a batch at a time, so memory stays flat however large the pool."""
    if limit is not None and limit < 1:  # ids[:-1] would be "all but one"
        raise ValueError(f"limit must be at least 1, got {limit}")
    ids = store.document_ids(split=split)
    if split == Split.POOL:
        human = store.annotated_ids(AnnotatorKind.HUMAN)
        ids = [i for i in ids if i not in human]
    return ids[:limit] if limit else ids


def teacher_model_name(settings: Settings) -> str:
    """The name the teacher's calls are cached under: the endpoint's model, or the local alias."""
    config = settings.teacher
    return (config.model or "default") if config.base_url else local_alias(config.local_model)


def call_plan(project: Project) -> CallPlan:
    """What the teacher would be asked, without a client: for estimates and what is left to do."""
    return CallPlan(
        project.store, project.guidelines, teacher_model_name(project.settings), project.settings.teacher
    )


def estimate_annotation(project: Project, limit: int | None = None, split: Split = Split.POOL) -> Estimate:
    store = project.store
    return estimate(call_plan(project), read_in_batches(store, ids_of(store, split, limit)), batch=READ_BATCH)


def unfinished(project: Project, ids: list[str]) -> list[str]:
    """The documents the teacher has not finished under today's settings (nothing to start a
    server for when this is empty)."""
    plan, done = call_plan(project), set()
    for batch in in_batches(ids, READ_BATCH):
        done |= plan.finished(project.store.documents(ids=list(batch)))
    return [i for i in ids if i not in done]


def paid_for(project: Project, ids: list[str]) -> Paid:
    """What the ledger says these documents have cost so far (every worker's calls)."""
    return CallLedger(project.store).paid(ids)


def settle(
    summary: RunSummary, project: Project, ids: list[str], left_before: int, paid_before: Paid
) -> None:
    """Documents, calls, tokens and cost of a whole fan-out as the store recorded them: a batch
    that died with its worker and ran again elsewhere returned no summary of what it had paid,
    and its retry counts the documents it had finished as cached."""
    paid = paid_for(project, ids) - paid_before
    summary.calls, summary.tokens_in, summary.tokens_out = paid.calls, paid.tokens_in, paid.tokens_out
    summary.cost_usd = paid.cost_usd
    left_after = len(unfinished(project, ids))
    summary.documents, summary.cached = len(ids), len(ids) - left_before
    summary.annotated = left_before - left_after


def ensemble_message(project: Project) -> str | None:
    """What the teacher's second opinion will be, when `ensemble` is on."""
    mode = project.settings.teacher.ensemble
    if mode == EnsembleMode.OFF:
        return None
    record = current_student(project.registry)
    if record is None:
        return "ensemble: no student yet, the teacher runs alone (the next run after training uses one)"
    return f"ensemble ({mode}): student {record.id} ({record.status}) is the teacher's second opinion"


def annotate(
    project: Project,
    limit: int | None = None,
    progress: Callable[[str], None] = print,
    on_document: Callable[[], None] | None = None,
    split: Split = Split.POOL,
) -> RunSummary:
    ids = ids_of(project.store, split, limit)
    if message := ensemble_message(project):
        progress(message)
    with teacher_target(project.settings, progress) as (base_url, model):
        return annotate_ids(project, ids, base_url, model, on_document)


def read_in_batches(store: Store, ids: list[str]) -> Iterator[Document]:
    """The documents, READ_BATCH at a time as the teacher's workers take them."""
    for batch in in_batches(ids, READ_BATCH):
        yield from store.documents(ids=list(batch))


def annotate_ids(
    project: Project,
    ids: list[str],
    base_url: str,
    model: str,
    on_document: Callable[[], None] | None = None,
) -> RunSummary:
    """Annotate these documents with the teacher at `base_url` (one batch of a flow's fan-out)."""
    config = project.settings.teacher
    endpoint = endpoint_for(project.settings, base_url, model)
    run = TeacherRun(
        project.store,
        project.guidelines,
        endpoint,
        config,
        estimator=confidence_estimators.get(config.confidence)(config),
        second_opinion=student_opinion(project),
        breaker=CircuitBreaker(health=lambda: server_gone(base_url)),  # the local server's death stops it
    )
    return asyncio.run(_run_and_close(run, endpoint, read_in_batches(project.store, ids), on_document))


async def _run_and_close(run: TeacherRun, endpoint: TeacherEndpoint, documents, on_document) -> RunSummary:
    try:
        return await run.run(documents, progress=on_document)
    finally:
        close = getattr(endpoint, "close", None)
        if close:  # inside the loop: a client closed after it logs "Event loop is closed"
            await close()
