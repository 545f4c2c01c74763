"""Annotate the pool with the teacher: the configured endpoint, or the embedded local one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from corpus.guidelines import load_guidelines
from corpus.model import Document, Split
from corpus.store import Store
from flows.settings import Settings
from teacher.annotate import RunSummary, TeacherRun
from teacher.endpoint import OpenAIEndpoint
from teacher.estimate import Estimate, estimate
from teacher.local_server import local_alias, local_teacher


@contextmanager
def teacher_endpoint(settings: Settings, progress: Callable[[str], None] = print) -> Iterator[OpenAIEndpoint]:
    config = settings.teacher
    if config.base_url:
        api_key = config.api_key.get_secret_value() if config.api_key else "not-needed"
        yield _endpoint(config, config.base_url, config.model or "default", api_key)
        return
    progress(f"no teacher endpoint configured: starting the local llama.cpp teacher ({config.local_model})")
    with local_teacher(config.local_model, context=config.local_context, progress=progress) as (url, alias):
        yield _endpoint(config, url, alias, "not-needed")


def _endpoint(config, base_url: str, model: str, api_key: str) -> OpenAIEndpoint:
    return OpenAIEndpoint(
        base_url, model, api_key=api_key, mode=config.instructor_mode, timeout_s=config.timeout_s,
        validation_retries=config.validation_retries, max_output_tokens=config.max_output_tokens,
        logprobs=config.logprobs,
    )  # fmt: skip


def documents_of(store: Store, split: Split = Split.POOL, limit: int | None = None) -> list[Document]:
    """The pool (to train on), or a held-out split: the teacher labels those only so that the
    teacher can be scored on them next to the student; training never reads them."""
    documents = store.documents(split=split)
    return documents[:limit] if limit else documents


class _ModelOnly:
    """Stands in for the endpoint when only estimating: nothing is called."""

    def __init__(self, model: str):
        self.model = model


def estimate_annotation(settings: Settings, limit: int | None = None, split: Split = Split.POOL) -> Estimate:
    guidelines = load_guidelines(settings.guidelines_ref)
    config = settings.teacher
    model = (config.model or "default") if config.base_url else local_alias(config.local_model)
    with Store(settings.store_url) as store:
        run = TeacherRun(store, guidelines, _ModelOnly(model), config)
        return estimate(run, documents_of(store, split, limit))


def annotate(
    settings: Settings,
    limit: int | None = None,
    progress: Callable[[str], None] = print,
    on_document: Callable[[], None] | None = None,
    split: Split = Split.POOL,
) -> RunSummary:
    guidelines = load_guidelines(settings.guidelines_ref)
    with Store(settings.store_url) as store:
        documents = documents_of(store, split, limit)
        with teacher_endpoint(settings, progress) as endpoint:
            run = TeacherRun(store, guidelines, endpoint, settings.teacher)
            return asyncio.run(_run_and_close(run, endpoint, documents, on_document))


async def _run_and_close(run: TeacherRun, endpoint: OpenAIEndpoint, documents, on_document) -> RunSummary:
    try:
        return await run.run(documents, progress=on_document)
    finally:
        await endpoint.close()  # inside the loop: a client closed after it logs "Event loop is closed"
