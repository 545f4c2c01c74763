"""The circuit breaker against the scripted OpenAI-compatible server: a wrong key or an unknown
model stops the run after one call, a dead endpoint after a few, and what was not done is
retried by the next run (no failure records for documents the teacher never judged)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from corpus.guideline_files import load_guidelines
from corpus.model import AnnotationStatus, AnnotatorKind, Document
from corpus.store import Store
from teacher.annotate import TeacherRun
from teacher.breaker import CircuitBreaker, TeacherHalted
from teacher.config import TeacherConfig
from teacher.endpoint import OpenAIEndpoint, PermanentError, TransientError

GUIDELINES = load_guidelines("general")


@pytest.fixture
def store(db_url):
    with Store(db_url) as store:
        yield store


def documents(n: int) -> list[Document]:
    return [Document(f"Breaker document {i} mentions Paris.") for i in range(n)]


def run(store, url: str, docs, breaker=None, **overrides):
    config = TeacherConfig(
        **{"samples": 1, "concurrency": 4, "max_retries": 3, "backoff_base_s": 0.01, "timeout_s": 5.0,
           "few_shot": 0, "ensemble": "off", **overrides}
    )  # fmt: skip
    endpoint = OpenAIEndpoint(url, "fake-teacher", api_key="sk-wrong", timeout_s=config.timeout_s)
    store.add_documents(docs)
    return asyncio.run(TeacherRun(store, GUIDELINES, endpoint, config, breaker=breaker).run(docs))


@pytest.mark.parametrize(
    ("status", "words"),
    [(401, "refused the API key"), (403, "refused access"), (404, "does not know the model")],
)
def test_a_refusal_no_retry_can_fix_stops_the_run_after_one_call(store, fake, status, words):
    fake.script["Breaker document"] = [{"status": status, "message": "no"}] * 100
    docs = documents(12)
    with pytest.raises(TeacherHalted, match=words) as halted:
        run(store, fake.url, docs)
    assert len(fake.requests) == 1, "one call, not one per document (nor per worker)"
    assert halted.value.summary.failed == 0
    assert store.annotations(kind=AnnotatorKind.TEACHER) == [], "no document was judged: none marked failed"

    fake.script.clear()  # the key is fixed: the next run does every document
    fake.answers["Breaker document"] = [{"text": "Paris", "label": "LOC", "occurrence": 1}]
    summary = run(store, fake.url, docs)
    assert (summary.annotated, summary.failed) == (12, 0)


def test_an_endpoint_that_does_not_answer_stops_the_run_after_a_few_calls(store):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TeacherHalted, match="did not answer 3 calls in a row"):
        run(store, f"http://127.0.0.1:{port}/v1", documents(50), max_retries=10)
    annotations = store.annotations(kind=AnnotatorKind.TEACHER)
    assert all(a.status is not AnnotationStatus.FAILED for a in annotations)


def test_the_endpoints_process_gone_stops_the_run_at_once(store, fake):
    fake.script["Breaker document"] = [{"status": 500}] * 100
    gone = {"reason": None}
    breaker = CircuitBreaker(health=lambda: gone["reason"])

    def die_after_first(*args):
        gone["reason"] = "the local teacher was killed by SIGKILL"

    fake.on_request = die_after_first
    with pytest.raises(TeacherHalted, match="SIGKILL"):
        run(store, fake.url, documents(5), breaker=breaker)
    assert len(fake.requests) == 1


def test_answers_in_between_reset_the_count_of_unreachable_calls():
    breaker = CircuitBreaker(max_unreachable=3)
    lost = TransientError("connection failed", unreachable=True)
    for _ in range(2):
        breaker.failure(lost)
    breaker.success()
    breaker.failure(lost)
    breaker.failure(TransientError("server error (500)", status=500))  # answered: reachable
    breaker.failure(lost)
    breaker.check()  # not tripped: never 3 in a row
    breaker.failure(lost)
    breaker.failure(lost)
    with pytest.raises(TeacherHalted):
        breaker.check()


def test_a_bad_answer_for_one_document_does_not_stop_the_run():
    breaker = CircuitBreaker()
    breaker.failure(PermanentError("malformed output after retries", status=None))
    breaker.failure(PermanentError("request refused (400): frequency_penalty", status=400))
    breaker.check()
