"""The ensemble technique's mechanics: the student's agreement filters the teacher's spans
(`filter`) or only lowers the confidence (`confidence`), and is recorded per document.

The second opinion here is a fixed list of spans, so that agreement and disagreement are
chosen exactly; a real trained student is the second opinion in tests/flows/test_export.py.
"""

from __future__ import annotations

import asyncio

import pytest

from corpus.guideline_files import load_guidelines
from corpus.model import AnnotatorKind, Document, Span
from corpus.store import Store
from teacher.annotate import TeacherRun
from teacher.config import TeacherConfig
from teacher.endpoint import OpenAIEndpoint
from teacher.ensemble import compare
from teacher.scripted_server import FakeOpenAI

GUIDELINES = load_guidelines("general")
TEXT = "Maria Lopez visited the Louvre in Paris."


class FixedOpinion:
    name = "student:fixed"

    def __init__(self, spans: list[Span]):
        self.found = spans
        self.texts: list[str] = []

    def spans(self, text: str) -> list[Span]:
        self.texts.append(text)
        return self.found


@pytest.fixture
def store_url(tmp_path):
    return f"sqlite:///{tmp_path / 'ensemble.db'}"


@pytest.fixture
def fake():
    server = FakeOpenAI(
        answers={
            "Maria": [
                {"text": "Maria Lopez", "label": "PER", "occurrence": 1},
                {"text": "Louvre", "label": "LOC", "occurrence": 1},  # the student says ORG
                {"text": "Paris", "label": "LOC", "occurrence": 1},
            ]
        }
    )
    server.url = server.start()
    yield server
    server.stop()


def annotate(store_url, fake, opinion, mode: str):
    doc = Document(TEXT)
    config = TeacherConfig(samples=1, concurrency=1, timeout_s=5.0, ensemble=mode, few_shot=0)
    endpoint = OpenAIEndpoint(fake.url, "fake-teacher", timeout_s=5.0, validation_retries=1)
    with Store(store_url) as store:
        store.add_documents([doc])
        run = TeacherRun(store, GUIDELINES, endpoint, config, second_opinion=opinion)
        asyncio.run(run.run([doc]))
        (annotation,) = store.annotations(kind=AnnotatorKind.TEACHER, document_ids=[doc.id])
    return annotation


STUDENT = [Span(0, 11, "PER", 0.9), Span(24, 30, "ORG", 0.8), Span(34, 39, "LOC", 0.7)]


def test_filter_keeps_only_the_spans_both_found(store_url, fake):
    opinion = FixedOpinion(STUDENT)
    annotation = annotate(store_url, fake, opinion, "filter")
    assert [TEXT[s.start : s.end] for s in annotation.spans] == ["Maria Lopez", "Paris"]
    assert opinion.texts == [TEXT]
    assert annotation.metadata["ensemble"] == {
        "opinion": "student:fixed", "agreed": 2, "teacher_only": 1, "other_only": 1,
    }  # fmt: skip
    assert "ensemble=filter" in annotation.metadata["techniques"]
    assert annotation.confidence == pytest.approx((1.0 + 2 / 4) / 2, abs=1e-3)


def test_confidence_mode_keeps_the_teachers_spans_and_lowers_the_confidence(store_url, fake):
    annotation = annotate(store_url, fake, FixedOpinion(STUDENT), "confidence")
    assert len(annotation.spans) == 3
    assert annotation.confidence == pytest.approx(0.75, abs=1e-3)
    # weighed: the teacher's three and the student's Louvre as ORG (its other two agree)
    assert annotation.metadata["weighed_spans"] == 4


def test_full_agreement_keeps_the_confidence(store_url, fake):
    agreeing = [Span(0, 11, "PER"), Span(24, 30, "LOC"), Span(34, 39, "LOC")]
    annotation = annotate(store_url, fake, FixedOpinion(agreeing), "filter")
    assert len(annotation.spans) == 3 and annotation.confidence == pytest.approx(1.0)


def test_ensemble_off_never_asks_the_student(store_url, fake):
    opinion = FixedOpinion(STUDENT)
    annotation = annotate(store_url, fake, opinion, "off")
    assert opinion.texts == [] and "ensemble" not in annotation.metadata and len(annotation.spans) == 3
    assert annotation.metadata["weighed_spans"] == 3


def test_agreement_is_strict_and_empty_sets_agree():
    assert compare([], [], "s").share == 1.0
    shifted = compare([Span(0, 5, "PER")], [Span(0, 6, "PER")], "s")
    assert shifted.share == 0.0 and len(shifted.teacher_only) == 1


def test_the_ensemble_mode_is_part_of_the_cache_key():
    keys = {TeacherConfig(ensemble=mode).sampling_key() for mode in ("off", "confidence", "filter")}
    assert len(keys) == 3 and TeacherConfig().ensemble == "confidence"
