"""The full review round trip against a REAL argilla-server 2.8 (tests/services/argilla.py):
route, push with suggestions, annotators submit through the REST API as the UI does
(accept, correct, discard), pull, corrected labels in the training set. Plus
idempotency, several annotators, and Argilla down."""

from __future__ import annotations

import pytest

from corpus.guideline_files import load_guidelines
from corpus.model import Annotation, Annotator, AnnotatorKind, Document, Span
from corpus.store import Store
from flows.project import Project
from flows.review_step import requeue, status, sync
from flows.settings import load_settings
from flows.status_report import project_status
from review.argilla_backend import QUESTION, dataset_name
from student.data import build_training_set
from tests.services.argilla import edit, submit

pytestmark = pytest.mark.slow

TEACHER = Annotator(AnnotatorKind.TEACHER, "local:qwen")
DOCS = {
    "accept": ("Ann lives in Rome.", [Span(0, 3, "PER", 0.5), Span(13, 17, "LOC", 0.5)]),
    "correct": ("Bob works at Acme in Oslo.", [Span(0, 3, "PER", 0.4), Span(13, 17, "LOC", 0.3)]),
    "discard": ("asdf qwerty zxcv.", [Span(0, 4, "ORG", 0.2)]),
    "confident": (
        "Cleo met Dan in Lima.",
        [Span(0, 4, "PER", 1.0), Span(9, 12, "PER", 1.0), Span(16, 20, "LOC", 1.0)],
    ),
}


def make_project(tmp_path, argilla, guidelines_text=None, **review):
    url, key = argilla
    lines = [
        'guidelines = "guidelines.md"',
        "[review]",
        f'api_url = "{url}"',
        "threshold = 0.9",
        "audit_fraction = 0",
    ]
    lines += [f"{k} = {v}" for k, v in review.items()]
    (tmp_path / "distil.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # a dataset of its own on the session's server: one per guidelines name and version
    text = guidelines_text or load_guidelines("general").source.replace("name: general", "name: roundtrip", 1)
    (tmp_path / "guidelines.md").write_text(text, encoding="utf-8")
    settings = load_settings(tmp_path)
    settings.review.api_key = __import__("pydantic").SecretStr(key)
    guidelines = load_guidelines(tmp_path / "guidelines.md")
    with Store(settings.store_url) as store:
        store.add_documents([Document(text) for text, _ in DOCS.values()])
        store.save_annotations(
            [
                Annotation(
                    Document(text).id,
                    TEACHER,
                    spans,
                    guidelines_version=guidelines.version,
                    confidence=min(s.score for s in spans),
                )
                for text, spans in DOCS.values()
            ]
        )
    return settings, guidelines


def respond(argilla, guidelines, annotator, text, spans, status="submitted"):
    url, owner = argilla
    return submit(url, owner, dataset_name(guidelines), Document(text).id, spans, annotator, status)


def test_round_trip(tmp_path, argilla):
    settings, guidelines = make_project(tmp_path, argilla)
    first = sync(Project(settings))
    assert first.unavailable is None
    routed = {d.document_id: d for d in first.routed}
    assert routed[Document(DOCS["confident"][0]).id].route == "accept"
    assert first.pushed.pushed == 3

    # the dataset carries the guidelines, the labels, metadata, and the teacher's scored suggestions
    import argilla as rg

    dataset = rg.Argilla(api_url=argilla[0], api_key=argilla[1]).datasets(
        dataset_name(guidelines), workspace="argilla"
    )
    assert guidelines.label("PER").definition in dataset.settings.guidelines
    assert list(dataset.settings.questions[QUESTION].labels) == ["PER", "ORG", "LOC", "MISC"]
    records = {str(r.id): r for r in dataset.records(with_suggestions=True)}
    correct = records[Document(DOCS["correct"][0]).id]
    assert correct.suggestions[QUESTION].agent == "local:qwen"
    assert correct.suggestions[QUESTION].score == [0.4, 0.3]
    assert (
        correct.metadata["teacher_confidence"] == 0.3 and "confidence" in correct.metadata["routing_reason"]
    )
    assert correct.metadata["second_opinion"] == "none" and correct.metadata["parts"] == 1
    assert correct.fields["why"].startswith("**Why this is here:** confidence 0.30 < 0.9")

    respond(argilla, guidelines, "annie", *DOCS["accept"])
    fixed = [Span(0, 3, "PER"), Span(13, 17, "ORG"), Span(21, 25, "LOC")]
    respond(argilla, guidelines, "annie", DOCS["correct"][0], fixed)
    respond(argilla, guidelines, "annie", DOCS["discard"][0], DOCS["discard"][1], status="discarded")

    second = sync(Project(settings))
    assert (second.pulled.submitted, second.pulled.discarded) == (2, 1)
    assert second.pushed.pushed == 0, "answered records are never pushed again"
    counts, metrics = status(Project(settings))
    assert counts == {"submitted": 2, "discarded": 1, "accepted": 1}
    assert metrics.documents == 2 and metrics.teacher.tp == 3 and metrics.teacher.fn == 2

    with Store(settings.store_url) as store:
        human = {a.document_id: a for a in store.annotations(kind=AnnotatorKind.HUMAN)}
        assert human[Document(DOCS["correct"][0]).id].spans == fixed
        assert human[Document(DOCS["correct"][0]).id].annotator.name == "annie"
        data = build_training_set(
            store,
            guidelines.label_names,
            guidelines.version,
            excluded={Document(DOCS["discard"][0]).id},
            dev_fraction=0,
        )
    trained_on = {e.document.text: e for e in data.train}
    assert trained_on[DOCS["correct"][0]].spans == fixed and trained_on[DOCS["correct"][0]].origin == "human"
    assert DOCS["discard"][0] not in trained_on
    assert trained_on[DOCS["confident"][0]].origin == "teacher"

    # idempotent: pushing again neither duplicates nor touches answered records
    third = sync(Project(settings))
    assert third.pushed.pushed == 0 and len(list(dataset.records())) == 3


def test_several_annotators_are_resolved_and_their_agreement_measured(tmp_path, argilla):
    text = load_guidelines("general").source.replace("title: General", "title: Multi-annotator General")
    settings, guidelines = make_project(tmp_path, argilla, guidelines_text=text, min_submitted=2)
    sync(Project(settings))
    doc_text = DOCS["correct"][0]
    respond(argilla, guidelines, "annie", doc_text, [Span(0, 3, "PER"), Span(13, 17, "ORG")])
    respond(argilla, guidelines, "bob", doc_text, [Span(0, 3, "PER"), Span(21, 25, "LOC")])
    respond(
        argilla, guidelines, "cleo", doc_text, [Span(0, 3, "PER"), Span(13, 17, "ORG"), Span(21, 25, "LOC")]
    )
    report = sync(Project(settings))
    assert report.pulled.multi_annotated == 1
    assert report.pulled.agreement_f1 == pytest.approx(
        (0.5 + 0.8 + 0.8) / 3, abs=1e-6
    )  # annie-bob share 1 of 2
    with Store(settings.store_url) as store:
        (human,) = store.annotations(kind=AnnotatorKind.HUMAN)
    assert human.spans == [Span(0, 3, "PER"), Span(13, 17, "ORG"), Span(21, 25, "LOC")]
    assert human.annotator.name == "majority:annie+bob+cleo"
    # per label, over the three pairs: PER always shared; ORG and LOC each shared by one pair of three
    assert report.pulled.agreement_per_label == {"LOC": 0.5, "ORG": 0.5, "PER": 1.0, "all": 0.714}
    assert project_status(Project(settings))["agreement"] == report.pulled.agreement_per_label


def test_a_long_text_is_reviewed_in_parts_and_comes_back_whole(tmp_path, argilla):
    source = load_guidelines("general").source.replace("name: general", "name: long-texts", 1)
    settings, guidelines = make_project(tmp_path, argilla, guidelines_text=source)
    sentence = "Ann lives in Rome. "
    text = (sentence * 150).strip()  # 2,849 characters: two parts of at most 2,000
    last = text.rindex("Rome")
    with Store(settings.store_url) as store:
        store.add_documents([Document(text)])
        store.save_annotations([Annotation(Document(text).id, TEACHER, [Span(0, 3, "PER", 0.2),
                                Span(last, last + 4, "LOC", 0.2)], guidelines_version=guidelines.version,
                                confidence=0.2)])  # fmt: skip
    sync(Project(settings))
    import argilla as rg

    dataset = rg.Argilla(api_url=argilla[0], api_key=argilla[1]).datasets(dataset_name(guidelines))
    records = {
        str(r.id): r
        for r in dataset.records(with_suggestions=True)
        if str(r.id).startswith(Document(text).id)
    }
    offsets = sorted(int(i.split("@")[1]) for i in records)
    assert len(offsets) == 2 and offsets[0] == 0 and text[offsets[1] - 1] == " ", "cut at a sentence end"
    second = records[f"{Document(text).id}@{offsets[1]}"]
    assert (second.metadata["part"], second.metadata["parts"], second.metadata["offset"]) == (
        2,
        2,
        offsets[1],
    )
    assert second.fields["text"] == text[offsets[1] :]
    (suggested,) = second.suggestions[QUESTION].value
    assert second.fields["text"][suggested["start"] : suggested["end"]] == "Rome"

    respond_part(argilla, guidelines, text, 0, [Span(0, 3, "PER"), Span(13, 17, "LOC")])
    assert sync(Project(settings)).pulled.submitted == 0, "one part still waits: nothing is stored"
    respond_part(argilla, guidelines, text, offsets[1], [Span(suggested["start"], suggested["end"], "LOC")])
    assert sync(Project(settings)).pulled.submitted == 1
    with Store(settings.store_url) as store:
        (human,) = store.annotations(kind=AnnotatorKind.HUMAN, document_ids=[Document(text).id])
    assert human.spans == [Span(0, 3, "PER"), Span(13, 17, "LOC"), Span(last, last + 4, "LOC")]


def respond_part(argilla, guidelines, text, offset, spans):
    url, owner = argilla
    submit(url, owner, dataset_name(guidelines), f"{Document(text).id}@{offset}", spans, "annie")


def test_an_answer_edited_after_a_pull_is_pulled_again(tmp_path, argilla):
    source = load_guidelines("general").source.replace("name: general", "name: edits", 1)
    settings, guidelines = make_project(tmp_path, argilla, guidelines_text=source)
    sync(Project(settings))
    text = DOCS["correct"][0]  # "Bob works at Acme in Oslo."
    answer = respond(argilla, guidelines, "annie", text, [Span(0, 3, "PER")])
    assert sync(Project(settings)).pulled.submitted == 1
    edit(argilla[0], answer, [Span(0, 3, "PER"), Span(21, 25, "LOC")], "annie")
    sync(Project(settings))
    with Store(settings.store_url) as store:
        (human,) = store.annotations(kind=AnnotatorKind.HUMAN)
    assert human.spans == [Span(0, 3, "PER"), Span(21, 25, "LOC")]


def test_argilla_down_keeps_everything_queued_and_the_next_sync_catches_up(tmp_path, argilla):
    text = load_guidelines("general").source.replace("title: General", "title: Down General")
    settings, _ = make_project(tmp_path, argilla, guidelines_text=text)
    settings.review.api_url = "http://127.0.0.1:9"  # nothing listens there
    down = sync(Project(settings))
    assert "cannot be reached" in down.unavailable and "distil review push" in down.unavailable
    assert argilla[1] not in down.unavailable
    assert status(Project(settings))[0] == {"queued": 3, "accepted": 1}
    settings.review.api_url = argilla[0]
    up = sync(Project(settings))
    assert up.pushed.pushed == 3 and not up.routed, "routed once; pushed when Argilla is back"
    assert status(Project(settings))[0] == {"pushed": 3, "accepted": 1}


def test_a_padded_reviewer_span_is_trimmed_on_pull_not_a_crash_at_training(tmp_path, argilla):
    """A selection with a trailing space (sent through the API, or dragged one character far)
    once reached the store as is and stopped the next training run with a SpanError."""
    source = load_guidelines("general").source.replace("name: general", "name: repairs", 1)
    settings, guidelines = make_project(tmp_path, argilla, guidelines_text=source)
    sync(Project(settings))
    text = DOCS["correct"][0]  # "Bob works at Acme in Oslo."
    respond(argilla, guidelines, "annie", text, [Span(0, 4, "PER"), Span(13, 17, "ORG")])
    pulled = sync(Project(settings)).pulled
    assert pulled.submitted == 1
    assert pulled.repaired == [f"document {Document(text).id[:12]} (annie): span 'Bob ' PER trimmed to 'Bob'"]
    with Store(settings.store_url) as store:
        human = {a.document_id: a for a in store.annotations(kind=AnnotatorKind.HUMAN)}
        assert human[Document(text).id].spans == [Span(0, 3, "PER"), Span(13, 17, "ORG")]
        data = build_training_set(store, guidelines.label_names, guidelines.version, dev_fraction=0)
    assert {e.document.text: e for e in data.train}[text].spans == [Span(0, 3, "PER"), Span(13, 17, "ORG")]


def test_discarded_documents_can_go_to_review_again(tmp_path, argilla):
    source = load_guidelines("general").source.replace("name: general", "name: requeue", 1)
    settings, guidelines = make_project(tmp_path, argilla, guidelines_text=source)
    sync(Project(settings))
    text = DOCS["discard"][0]
    respond(argilla, guidelines, "annie", text, [], status="discarded")
    assert sync(Project(settings)).pulled.discarded == 1
    assert requeue(Project(settings)) == 1
    assert status(Project(settings))[0]["queued"] == 1
    again = sync(Project(settings))
    assert again.pulled.discarded == 0, "the discard left with its record"
    assert status(Project(settings))[0] == {"pushed": 3, "accepted": 1}
    respond(argilla, guidelines, "bob", text, [Span(0, 4, "ORG")])  # the record is pending again
    assert sync(Project(settings)).pulled.submitted == 1
    assert status(Project(settings))[0] == {"submitted": 1, "pushed": 2, "accepted": 1}
