"""Kill a real annotation run with SIGKILL mid-way, re-run: nothing lost, nothing paid twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter

import pytest

from corpus.guideline_files import load_guidelines
from corpus.model import AnnotatorKind, Document
from corpus.store import Store
from teacher.annotate import TeacherRun
from teacher.config import TeacherConfig
from teacher.endpoint import OpenAIEndpoint
from teacher.estimate import estimate
from teacher.plan import CallPlan
from teacher.scripted_server import FakeOpenAI

DOCS = [Document(f"Resumable document {i} about Rome.") for i in range(30)]
CONCURRENCY = 3


@pytest.fixture
def fake():
    server = FakeOpenAI(
        answers={"Resumable": [{"text": "Rome", "label": "LOC", "occurrence": 1}]}, delay_s=0.15
    )
    server.url = server.start()
    yield server
    server.stop()


def _run_in_process(url: str, db: str) -> None:
    config = TeacherConfig(samples=1, concurrency=CONCURRENCY, few_shot=0)
    with Store(db) as store:
        run = TeacherRun(store, load_guidelines("general"), OpenAIEndpoint(url, "fake-teacher"), config)
        asyncio.run(run.run(store.documents()))


def test_sigkill_mid_run_then_rerun(fake, tmp_path):
    db = f"sqlite:///{tmp_path / 'kill.db'}"
    with Store(db) as store:
        store.add_documents(DOCS)
    script = textwrap.dedent(f"""
        from tests.teacher.test_resume import _run_in_process
        _run_in_process({fake.url!r}, {db!r})
    """)
    process = subprocess.Popen([sys.executable, "-c", script], cwd=os.getcwd())
    with Store(db) as store:
        deadline = time.monotonic() + 60
        while len(store.annotations()) < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        done_before = len(store.annotations())
        assert 8 <= done_before < 30, "the kill must land mid-run"
    calls_before = len(fake.requests)

    _run_in_process(fake.url, db)  # the re-run takes over the dead worker's claims at once

    with Store(db) as store:
        annotations = store.annotations(kind=AnnotatorKind.TEACHER)
    assert sorted(a.document_id for a in annotations) == sorted(d.id for d in DOCS), "no document lost"
    per_document = Counter(r["text"] for r in fake.requests)
    paid_twice = [text for text, n in per_document.items() if n > 1]
    assert len(paid_twice) <= CONCURRENCY, "only the calls in flight at the kill are repeated"
    assert len(fake.requests) - calls_before == 30 - done_before, (
        "the re-run calls exactly the unfinished ones"
    )
    assert len(fake.requests) <= 30 + CONCURRENCY


def test_estimate_counts_calls_exactly_and_knows_what_is_cached(fake, tmp_path):
    with Store(f"sqlite:///{tmp_path / 'estimate.db'}") as store:
        store.add_documents(DOCS)
        config = TeacherConfig(samples=2, concurrency=4, few_shot=0)
        run = TeacherRun(store, load_guidelines("general"), OpenAIEndpoint(fake.url, "fake-teacher"), config)
        before = estimate(run.plan, DOCS)
        assert (before.documents, before.cached, before.calls) == (30, 0, 60)
        assert not before.calibrated and before.tokens_in > 0
        asyncio.run(run.run(DOCS[:10]))
        assert len(fake.requests) == 20
        after = estimate(run.plan, DOCS)
        assert (after.cached, after.calls) == (10, 40)
        assert after.calibrated, "output tokens now come from this model's own past calls"


def test_estimate_counts_the_few_shot_turns_and_one_question_per_label(fake, tmp_path):
    guidelines = load_guidelines("general")
    with Store(f"sqlite:///{tmp_path / 'estimate.db'}") as store:
        store.add_documents(DOCS)

        def estimated(**techniques):
            config = TeacherConfig(samples=2, **{"few_shot": 0, **techniques})
            return estimate(CallPlan(store, guidelines, "fake-teacher", config), DOCS)

        plain, shots, per_label = estimated(), estimated(few_shot=3), estimated(per_label=True)
    examples = guidelines.examples()
    smallest = min(len(e.text) for e in examples)  # each of the 3 turns holds at least this much text
    assert shots.calls == plain.calls == 60
    assert shots.tokens_in - plain.tokens_in >= 60 * 3 * smallest / 4
    assert per_label.calls == 60 * len(guidelines.labels)
    assert per_label.tokens_in > plain.tokens_in * (len(guidelines.labels) - 0.5)
    assert len(fake.requests) == 0, "an estimate calls nothing"
