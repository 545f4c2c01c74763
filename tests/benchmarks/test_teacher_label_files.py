"""The benchmark teacher's calls kept in the repository: a fresh store takes them back and the
teacher is asked only for what they lack, under the same settings."""

from __future__ import annotations

import asyncio

import pytest

from benchmarks import teacher_label_files as label_files
from corpus.guideline_files import load_guidelines
from corpus.model import AnnotatorKind, Document
from corpus.store import Store
from teacher.annotate import TeacherRun
from teacher.config import TeacherConfig
from teacher.endpoint import OpenAIEndpoint
from teacher.plan import CallPlan
from teacher.scripted_server import FakeOpenAI

DOCS = [Document(f"Kept document {i} about Rome and Paris.") for i in range(6)]
CONFIG = TeacherConfig(samples=1, concurrency=1, few_shot=0)


@pytest.fixture
def fake():
    server = FakeOpenAI(answers={"Kept": [{"text": "Rome", "label": "LOC", "occurrence": 1}]})
    server.url = server.start()
    yield server
    server.stop()


def _label(store: Store, url: str, documents, config=CONFIG) -> None:
    run = TeacherRun(store, load_guidelines("general"), OpenAIEndpoint(url, "fake-teacher"), config)
    asyncio.run(run.run(documents))


def _spans(store: Store) -> dict:
    found = store.annotations(kind=AnnotatorKind.TEACHER)
    return {
        a.document_id: ([(s.start, s.end, s.label, s.score) for s in a.spans], a.confidence) for a in found
    }


def test_a_fresh_store_takes_the_saved_calls_and_asks_only_for_the_rest(fake, tmp_path):
    labels = tmp_path / "labels.jsonl"
    with Store(f"sqlite:///{tmp_path / 'first.db'}") as first:
        first.add_documents(DOCS)
        _label(first, fake.url, DOCS[:4])
        assert label_files.save(first, labels) == 4
        answered = _spans(first)
    asked = len(fake.requests)

    with Store(f"sqlite:///{tmp_path / 'fresh.db'}") as fresh:
        fresh.add_documents(DOCS)
        plan = CallPlan(fresh, load_guidelines("general"), "fake-teacher", CONFIG)
        assert label_files.restore(plan, DOCS, labels) == 4
        assert plan.finished(DOCS) == {d.id for d in DOCS[:4]}
        assert _spans(fresh) == answered, "spans, scores and confidence come back as they were"
        _label(fresh, fake.url, DOCS)
        assert len(fake.requests) - asked == 2, "only the two documents the file lacks are asked"
        assert label_files.restore(plan, DOCS, labels) == 0, "calls already done are left alone"
        assert label_files.save(fresh, labels) == 6


def test_other_settings_take_nothing_from_the_file(fake, tmp_path):
    labels = tmp_path / "labels.jsonl"
    with Store(f"sqlite:///{tmp_path / 'first.db'}") as first:
        first.add_documents(DOCS)
        _label(first, fake.url, DOCS)
        label_files.save(first, labels)
    with Store(f"sqlite:///{tmp_path / 'fresh.db'}") as fresh:
        fresh.add_documents(DOCS)
        guidelines = load_guidelines("general")
        sampled = CONFIG.model_copy(update={"samples": 3})
        assert label_files.restore(CallPlan(fresh, guidelines, "fake-teacher", sampled), DOCS, labels) == 0
        assert label_files.restore(CallPlan(fresh, guidelines, "other-model", CONFIG), DOCS, labels) == 0


def test_an_edited_line_cannot_pass_for_another_call_and_a_broken_one_says_where(fake, tmp_path):
    labels = tmp_path / "labels.jsonl"
    with Store(f"sqlite:///{tmp_path / 'first.db'}") as first:
        first.add_documents(DOCS)
        _label(first, fake.url, DOCS[:2])
        label_files.save(first, labels)
    lines = labels.read_text().splitlines()
    edited = lines[0].replace('"sampling": "', '"sampling": "edited-')
    assert edited != lines[0]
    labels.write_text(f"{edited}\n{lines[1]}\n")
    with Store(f"sqlite:///{tmp_path / 'fresh.db'}") as fresh:
        fresh.add_documents(DOCS)
        plan = CallPlan(fresh, load_guidelines("general"), "fake-teacher", CONFIG)
        assert label_files.restore(plan, DOCS, labels) == 1, "the edited line matches no call"
        labels.write_text(f"{lines[0]}\n{{oops\n")
        with pytest.raises(ValueError, match=r"labels\.jsonl:2: not a JSON line"):
            label_files.restore(plan, DOCS, labels)
