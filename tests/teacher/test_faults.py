"""The teacher against a scripted OpenAI-compatible server: every fault, its exact
recovery or failure record; the cache; two workers; the API key kept out of sight."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time

import pytest

from corpus.guideline_files import load_guidelines
from corpus.model import AnnotationStatus, AnnotatorKind, Document
from corpus.store import Store
from teacher.annotate import TeacherRun
from teacher.config import Prices, TeacherConfig
from teacher.endpoint import OpenAIEndpoint

GUIDELINES = load_guidelines("general")
SECRET = "sk-test-SECRET-abc123"


def ent(text, label, occurrence=1):
    return {"text": text, "label": label, "occurrence": occurrence}


@pytest.fixture
def store(db_url):
    with Store(db_url) as store:
        yield store


def config(**overrides) -> TeacherConfig:
    # few-shot off: the guidelines' example turns would mix with the scripted documents (its own tests)
    base = dict(
        samples=1,
        concurrency=2,
        max_retries=3,
        backoff_base_s=0.01,
        backoff_max_s=5.0,
        timeout_s=5.0,
        few_shot=0,
    )
    return TeacherConfig(**{**base, **overrides})


def run(store, fake, docs, cfg=None, worker=None):
    cfg = cfg or config()
    endpoint = OpenAIEndpoint(
        fake.url,
        "fake-teacher",
        api_key=SECRET,
        timeout_s=cfg.timeout_s,
        validation_retries=cfg.validation_retries,
        loop_penalty=cfg.loop_penalty,
    )
    store.add_documents(docs)
    return asyncio.run(TeacherRun(store, GUIDELINES, endpoint, cfg, worker=worker).run(docs))


def teacher_annotations(store):
    return {a.document_id: a for a in store.annotations(kind=AnnotatorKind.TEACHER)}


def test_clean_run_localizes_entities_and_counts_tokens(store, fake):
    doc = Document("Ann Lee met Bob in Paris and Paris again.")
    fake.answers["Ann Lee"] = [ent("Ann Lee", "PER"), ent("Bob", "PER"), ent("Paris", "LOC", 2)]
    summary = run(store, fake, [doc])
    (annotation,) = teacher_annotations(store).values()
    assert [(doc.text[s.start : s.end], s.start, s.label) for s in annotation.spans] == [
        ("Ann Lee", 0, "PER"), ("Bob", 12, "PER"), ("Paris", 29, "LOC")
    ]  # fmt: skip
    assert annotation.tokens_in > 0 and annotation.tokens_out > 0
    assert (summary.annotated, summary.calls, summary.invalid) == (1, 1, 0)
    assert summary.tokens_in == annotation.tokens_in


def test_429_honours_retry_after(store, fake):
    doc = Document("Rate limited Rome.")
    fake.script["Rate limited"] = [{"status": 429, "retry_after": 1}]
    fake.answers["Rate limited"] = [ent("Rome", "LOC")]
    run(store, fake, [doc])
    first, second = [r["at"] for r in fake.requests]
    assert second - first >= 0.95, "waited as long as the server asked"
    assert teacher_annotations(store)[doc.id].status is AnnotationStatus.OK


def test_5xx_then_success_is_retried_with_backoff(store, fake):
    doc = Document("Flaky server in Oslo.")
    fake.script["Flaky"] = [{"status": 500}, {"status": 503}]
    fake.answers["Flaky"] = [ent("Oslo", "LOC")]
    summary = run(store, fake, [doc])
    assert fake.calls_for("Flaky") == 3
    assert summary.annotated == 1 and summary.failed == 0


def test_a_hang_past_the_timeout_is_retried(store, fake):
    doc = Document("Slow answer from Lima.")
    fake.script["Slow answer"] = [{"hang": 2.0}]
    fake.answers["Slow answer"] = [ent("Lima", "LOC")]
    summary = run(store, fake, [doc], config(timeout_s=0.5))
    assert fake.calls_for("Slow answer") == 2
    assert summary.annotated == 1


def test_a_document_that_keeps_failing_is_recorded_and_the_batch_goes_on(store, fake):
    bad, good = Document("Always broken Kiev."), Document("Fine Quito.")
    fake.script["Always broken"] = [{"status": 500}] * 10
    fake.answers["Fine"] = [ent("Quito", "LOC")]
    summary = run(store, fake, [bad, good], config(max_retries=2))
    annotations = teacher_annotations(store)
    assert annotations[bad.id].status is AnnotationStatus.FAILED
    assert annotations[bad.id].error.startswith("server error (500)")
    assert annotations[bad.id].error.endswith("(gave up after 3 attempts)")
    assert annotations[good.id].status is AnnotationStatus.OK
    assert fake.calls_for("Always broken") == 3
    assert summary.failed == 1 and summary.failures[0][0] == bad.id


def test_malformed_output_is_re_asked_then_recorded_as_failed(store, fake):
    doc = Document("Garbled output about Rome.")
    fake.script["Garbled"] = [{"arguments": "{not json"}] * 10
    summary = run(store, fake, [doc], config(validation_retries=2))
    assert fake.calls_for("Garbled") == 3, "one call plus two validation retries"
    annotation = teacher_annotations(store)[doc.id]
    assert annotation.status is AnnotationStatus.FAILED and "malformed output" in annotation.error
    assert summary.failed == 1


def test_malformed_once_then_valid_recovers(store, fake):
    doc = Document("Once garbled, Rome.")
    fake.script["Once garbled"] = [{"arguments": json.dumps({"entities": [{"label": "LOC"}]})}]
    fake.answers["Once garbled"] = [ent("Rome", "LOC")]
    run(store, fake, [doc])
    assert [s.label for s in teacher_annotations(store)[doc.id].spans] == ["LOC"]


def completion_tokens(entities) -> int:
    """What the scripted server bills for an answer holding `entities`."""
    return max(1, len(json.dumps({"entities": entities})) // 4)


def test_an_answer_cut_off_is_asked_again_with_a_frequency_penalty(store, fake):
    # a small model can list every word, or one entity over and over, until max_tokens; at
    # temperature 0 the same ask loops again, a penalty on repeated tokens ends the loop
    doc = Document("Looping answer about Oslo.")
    fake.script["Looping"] = [{"finish_reason": "length"}]
    fake.answers["Looping"] = [ent("Oslo", "LOC")]
    summary = run(store, fake, [doc])
    annotation = teacher_annotations(store)[doc.id]
    assert annotation.status is AnnotationStatus.OK and [s.label for s in annotation.spans] == ["LOC"]
    first, second = (r["body"] for r in fake.requests)
    assert "frequency_penalty" not in first and second["frequency_penalty"] == 0.5
    assert second["temperature"] == first["temperature"] and second["seed"] == first["seed"]
    # both answers are paid for, the cut-off one included
    assert annotation.tokens_out == 2 * completion_tokens([ent("Oslo", "LOC")]) == summary.tokens_out


def test_a_loop_the_penalty_does_not_end_fails_its_document_and_says_what_was_tried(store, fake):
    looping, fine = Document("Looping answer about Oslo."), Document("Fine Quito.")
    fake.script["Looping"] = [{"finish_reason": "length"}] * 2
    fake.answers["Looping"] = [ent("Oslo", "LOC")]
    fake.answers["Fine"] = [ent("Quito", "LOC")]
    summary = run(store, fake, [looping, fine], config(loop_penalty=0.8))
    annotations = teacher_annotations(store)
    error = annotations[looping.id].error
    assert annotations[looping.id].status is AnnotationStatus.FAILED
    assert error.startswith("answer cut off at max_output_tokens=1024, also when asked again with")
    assert "frequency_penalty=0.8" in error and "teacher.max_output_tokens" in error
    assert fake.calls_for("Looping") == 2, "a permanent failure: not retried like a 5xx"
    assert annotations[looping.id].tokens_out == 2 * completion_tokens([ent("Oslo", "LOC")])
    assert annotations[fine.id].status is AnnotationStatus.OK and summary.failed == 1


def test_with_no_loop_penalty_a_cut_off_answer_fails_at_once(store, fake):
    doc = Document("Looping answer about Oslo.")
    fake.script["Looping"] = [{"finish_reason": "length"}]
    fake.answers["Looping"] = [ent("Oslo", "LOC")]
    run(store, fake, [doc], config(loop_penalty=0))
    annotation = teacher_annotations(store)[doc.id]
    assert annotation.status is AnnotationStatus.FAILED and "set teacher.loop_penalty" in annotation.error
    assert fake.calls_for("Looping") == 1


def test_an_endpoint_that_refuses_the_penalty_fails_the_document_saying_both(store, fake):
    doc = Document("Looping answer about Oslo.")
    refusal = {"status": 400, "message": "Unsupported parameter: 'frequency_penalty'"}
    fake.script["Looping"] = [{"finish_reason": "length"}, refusal]
    fake.answers["Looping"] = [ent("Oslo", "LOC")]
    run(store, fake, [doc])
    error = teacher_annotations(store)[doc.id].error
    assert error.startswith("answer cut off at max_output_tokens=1024; asked again with frequency_penalty")
    assert "request refused (400)" in error and "Unsupported parameter" in error
    assert fake.calls_for("Looping") == 2


def test_invalid_spans_are_dropped_and_counted(store, fake):
    doc = Document("Ann visited Rome.")
    # valid, not in the text, unknown label, an occurrence the text lacks (placed: the text
    # decides), and a duplicate of it (counted once)
    fake.answers["Ann visited"] = [ent("Ann", "PER"), ent("Madrid", "LOC"), ent("Rome", "CITY")]
    fake.answers["Ann visited"] += [ent("Rome", "LOC", 2), ent("Rome", "LOC")]
    summary = run(store, fake, [doc])
    annotation = teacher_annotations(store)[doc.id]
    assert [doc.text[s.start : s.end] for s in annotation.spans] == ["Ann", "Rome"]
    assert annotation.metadata["dropped"] == {"text not in document": 1, "unknown label": 1}
    assert annotation.metadata["invalid_rate"] == 0.4
    assert (summary.proposed, summary.invalid) == (5, 2)


def test_a_rerun_costs_zero_tokens(store, fake):
    docs = [Document(f"Cached doc {i} in Rome.") for i in range(5)]
    fake.answers["Cached doc"] = [ent("Rome", "LOC")]
    first = run(store, fake, docs)
    calls = len(fake.requests)
    second = run(store, fake, docs)
    assert len(fake.requests) == calls == 5
    assert (second.cached, second.annotated, second.tokens_in, second.tokens_out) == (5, 0, 0, 0)
    assert first.annotated == 5


def test_changing_sampling_settings_is_a_new_cache_entry(store, fake):
    doc = Document("Settings change in Rome.")
    fake.answers["Settings change"] = [ent("Rome", "LOC")]
    run(store, fake, [doc])
    run(store, fake, [doc], config(temperature=0.2))
    assert fake.calls_for("Settings change") == 2


def test_samples_that_disagree_lower_the_confidence(store, fake):
    sure, unsure = Document("Sure about Rome."), Document("Unsure about Rome and Milan.")
    fake.answers.update({"Sure": [ent("Rome", "LOC")], "Unsure": [ent("Rome", "LOC"), ent("Milan", "LOC")]})
    fake.sampled_answers.update({"Sure": [ent("Rome", "LOC")], "Unsure": [ent("Rome", "ORG")]})
    summary = run(store, fake, [sure, unsure], config(samples=3))
    annotations = teacher_annotations(store)
    assert annotations[sure.id].confidence == 1.0
    assert annotations[unsure.id].confidence < 0.8
    # Rome: LOC in 1 of 3 samples, ORG in 2 of 3: the majority wins; Milan (1 of 3) is voted out
    assert [(s.label, s.score) for s in annotations[unsure.id].spans] == [("ORG", 0.6667)]
    assert summary.calls == 6


def test_logprobs_feed_span_scores(store, fake):
    fake.logprob = -0.5  # every token p = 0.61
    doc = Document("Logprob test in Rome.")
    fake.answers["Logprob test"] = [ent("Rome", "LOC")]
    run(store, fake, [doc])
    (span,) = teacher_annotations(store)[doc.id].spans
    assert span.score == pytest.approx((1.0 + 0.6065) / 2, abs=1e-3)
    body = fake.requests[0]["body"]
    assert body["logprobs"] is True and body["top_logprobs"] == 0  # llama.cpp's server needs both


def test_long_documents_are_chunked_and_spans_map_back(store, fake):
    sentences = [f"Sentence {i} mentions Rome." for i in range(60)]
    doc = Document(" ".join(sentences))
    fake.answers["mentions Rome"] = [ent("Rome", "LOC")]
    run(store, fake, [doc], config(max_chunk_chars=400, chunk_overlap_chars=50))
    annotation = teacher_annotations(store)[doc.id]
    assert len(fake.requests) > 3
    assert all(doc.text[s.start : s.end] == "Rome" for s in annotation.spans)
    assert len(annotation.spans) == len(fake.requests), "one Rome per chunk, each mapped to its own offset"


def test_cost_comes_from_the_price_table(store, fake):
    doc = Document("Priced call about Rome.")
    fake.answers["Priced"] = [ent("Rome", "LOC")]
    summary = run(
        store, fake, [doc], config(prices=Prices(input_per_million=1000.0, output_per_million=2000.0))
    )
    expected = (summary.tokens_in * 1000.0 + summary.tokens_out * 2000.0) / 1e6
    assert summary.cost_usd == pytest.approx(expected)
    assert teacher_annotations(store)[doc.id].cost_usd == pytest.approx(expected)


def test_two_workers_never_pay_for_the_same_document(db_url, fake):
    docs = [Document(f"Shared work item {i} about Rome.") for i in range(12)]
    fake.answers["Shared work"] = [ent("Rome", "LOC")]
    fake.delay_s = 0.05
    with Store(db_url) as store:
        store.add_documents(docs)
    summaries = []

    def worker(name):
        with Store(db_url) as store:
            summaries.append(run(store, fake, docs, worker=f"otherhost:{name}:x"))

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("1", "2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fake.requests) == 12, "each document called exactly once"
    assert sum(s.annotated for s in summaries) == 12
    assert all(s.annotated > 0 for s in summaries), "both workers did part of the work"
    with Store(db_url) as store:
        assert len(store.annotations(kind=AnnotatorKind.TEACHER)) == 12


def test_the_api_key_never_leaks(store, fake, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    doc = Document("Echoing server near Rome.")
    fake.script["Echoing"] = [{"status": 400, "echo_auth": True}]
    run(store, fake, [doc])
    assert {k.lower(): v for k, v in fake.requests[0]["headers"].items()}[
        "authorization"
    ] == f"Bearer {SECRET}", "the key was really sent"
    annotation = teacher_annotations(store)[doc.id]
    assert "you sent Bearer ***" in annotation.error
    assert SECRET not in caplog.text
    from corpus.dataset_io import annotation_records

    assert SECRET not in json.dumps(list(annotation_records(store)))
    with store.engine.connect() as connection:
        from sqlalchemy import text

        for table in ("annotations", "teacher_calls", "documents", "spans"):
            assert SECRET not in str(connection.execute(text(f"SELECT * FROM {table}")).fetchall())
    assert SECRET not in repr(OpenAIEndpoint(fake.url, "m", api_key=SECRET))


def test_bounded_concurrency(store, fake):
    docs = [Document(f"Concurrent item {i} about Rome.") for i in range(8)]
    fake.answers["Concurrent item"] = [ent("Rome", "LOC")]
    fake.delay_s = 0.3
    started = time.monotonic()
    run(store, fake, docs, config(concurrency=4))
    elapsed = time.monotonic() - started
    assert 0.55 < elapsed < 2.0, f"8 calls of 0.3 s at 4 at a time take about 0.6 s, took {elapsed:.2f}"
