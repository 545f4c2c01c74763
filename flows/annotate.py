"""Annotate the pool with the teacher: the configured endpoint, or the embedded local one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from corpus.guidelines import load_guidelines
from corpus.model import AnnotatorKind, Document, Split
from corpus.store import Store
from flows.second_opinion import current_student, student_opinion
from flows.settings import Settings
from teacher.annotate import TeacherRun
from teacher.breaker import CircuitBreaker
from teacher.endpoint import OpenAIEndpoint
from teacher.estimate import Estimate, estimate
from teacher.local_server import local_alias, local_teacher, server_gone
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


def endpoint_for(settings: Settings, base_url: str, model: str) -> OpenAIEndpoint:
    """A client for the teacher; the key comes from settings (never passed around, so never
    stored as a flow parameter)."""
    config = settings.teacher
    configured = config.api_key is not None and base_url == config.base_url
    key = config.api_key.get_secret_value() if configured else "not-needed"
    return OpenAIEndpoint.from_config(config, base_url, model, api_key=key)


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


class _ModelOnly:
    """Stands in for the endpoint when only estimating: nothing is called."""

    def __init__(self, model: str):
        self.model = model


def teacher_model_name(settings: Settings) -> str:
    """The name the teacher's calls are cached under: the endpoint's model, or the local alias."""
    config = settings.teacher
    return (config.model or "default") if config.base_url else local_alias(config.local_model)


def estimate_annotation(settings: Settings, limit: int | None = None, split: Split = Split.POOL) -> Estimate:
    guidelines = load_guidelines(settings.guidelines_ref)
    with Store(settings.store_url) as store:
        run = TeacherRun(store, guidelines, _ModelOnly(teacher_model_name(settings)), settings.teacher)
        return estimate(run, read_in_batches(store, ids_of(store, split, limit)), batch=READ_BATCH)


def unfinished(settings: Settings, ids: list[str]) -> list[str]:
    """The documents the teacher has not finished under today's settings (nothing to start a
    server for when this is empty)."""
    guidelines = load_guidelines(settings.guidelines_ref)
    with Store(settings.store_url) as store:
        run = TeacherRun(store, guidelines, _ModelOnly(teacher_model_name(settings)), settings.teacher)
        done: set[str] = set()
        for i in range(0, len(ids), READ_BATCH):
            done |= run.finished(store.documents(ids=ids[i : i + READ_BATCH]))
    return [i for i in ids if i not in done]


def ensemble_message(settings: Settings, store: Store) -> str | None:
    """What the teacher's second opinion will be, when `ensemble` is on."""
    if settings.teacher.ensemble == "off":
        return None
    record = current_student(store)
    if record is None:
        return "ensemble: no student yet, the teacher runs alone (the next run after training uses one)"
    mode = settings.teacher.ensemble
    return f"ensemble ({mode}): student {record.id} ({record.status}) is the teacher's second opinion"


def annotate(
    settings: Settings,
    limit: int | None = None,
    progress: Callable[[str], None] = print,
    on_document: Callable[[], None] | None = None,
    split: Split = Split.POOL,
) -> RunSummary:
    with Store(settings.store_url) as store:
        ids = ids_of(store, split, limit)
        if message := ensemble_message(settings, store):
            progress(message)
    with teacher_target(settings, progress) as (base_url, model):
        return annotate_ids(settings, ids, base_url, model, on_document)


def read_in_batches(store: Store, ids: list[str]) -> Iterator[Document]:
    """The documents, READ_BATCH at a time as the teacher's workers take them."""
    for i in range(0, len(ids), READ_BATCH):
        yield from store.documents(ids=ids[i : i + READ_BATCH])


def annotate_ids(
    settings: Settings,
    ids: list[str],
    base_url: str,
    model: str,
    on_document: Callable[[], None] | None = None,
) -> RunSummary:
    """Annotate these documents with the teacher at `base_url` (one batch of a flow's fan-out)."""
    guidelines = load_guidelines(settings.guidelines_ref)
    with Store(settings.store_url) as store:
        documents = read_in_batches(store, ids)
        endpoint = endpoint_for(settings, base_url, model)
        opinion = student_opinion(settings, store)
        breaker = CircuitBreaker(health=lambda: server_gone(base_url))  # the local server's death stops it
        run = TeacherRun(
            store, guidelines, endpoint, settings.teacher, second_opinion=opinion, breaker=breaker
        )
        return asyncio.run(_run_and_close(run, endpoint, documents, on_document))


async def _run_and_close(run: TeacherRun, endpoint: OpenAIEndpoint, documents, on_document) -> RunSummary:
    try:
        return await run.run(documents, progress=on_document)
    finally:
        await endpoint.close()  # inside the loop: a client closed after it logs "Event loop is closed"
