"""The student's training data: gold wins, the floor and the review queue filter, held-out refused."""

from __future__ import annotations

import pytest

from corpus.model import (
    Annotation,
    AnnotationStatus,
    Annotator,
    AnnotatorKind,
    Document,
    LabelledDocument,
    Span,
    Split,
)
from corpus.store import LeakageError, Store
from student.data import Example, TrainingSet, build_training_set, in_dev, refuse_held_out

TEACHER = Annotator(AnnotatorKind.TEACHER, "t")
HUMAN = Annotator(AnnotatorKind.HUMAN, "reviewer")
LABELS = ("PER", "LOC")


@pytest.fixture
def store(tmp_path):
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        yield store


def add(store, text, spans, annotator=TEACHER, confidence=0.9, status=AnnotationStatus.OK):
    store.add_documents([Document(text)])
    doc = Document(text)
    store.save_annotations(
        [Annotation(doc.id, annotator, spans, guidelines_version="g", confidence=confidence, status=status)]
    )
    return doc.id


def test_choice_of_labels_per_document(store):
    gold = add(store, "Ann in Rome.", [Span(0, 3, "PER")])
    add(store, "Ann in Rome.", [Span(0, 3, "PER"), Span(7, 11, "LOC")], annotator=HUMAN)
    confident = add(store, "Bob in Oslo.", [Span(7, 11, "LOC")], confidence=0.95)
    unsure = add(store, "Cy in Lima.", [Span(6, 10, "LOC")], confidence=0.2)
    waiting = add(store, "Di in Kiev.", [Span(6, 10, "LOC")], confidence=0.9)
    add(store, "Ed failed.", [], status=AnnotationStatus.FAILED)
    add(store, "Flo odd.", [Span(0, 3, "ORG")])  # a label outside the task is dropped from the example

    data = build_training_set(
        store, LABELS, "g", teacher_floor=0.5, waiting_for_review={waiting}, dev_fraction=0.0
    )
    chosen = {e.document.id: e for e in data.train}
    assert chosen[gold].origin == "human" and len(chosen[gold].spans) == 2, "the reviewer's labels win"
    assert confident in chosen and unsure not in chosen and waiting not in chosen
    assert (
        data.counts["below floor"] == 1
        and data.counts["waiting for review"] == 1
        and data.counts["failed"] == 1
    )
    assert [e.spans for e in data.train if e.document.text == "Flo odd."] == [[]]
    with_waiting = build_training_set(
        store, LABELS, "g", 0.5, {waiting}, include_waiting=True, dev_fraction=0.0
    )
    assert waiting in {e.document.id for e in with_waiting.train}


def test_the_unlabelled_are_the_training_sides_documents_with_nothing_to_train_on(store):
    """What self-training may label: never annotated, failed or below the floor; not a document
    waiting for review or discarded (people decide those), nor one on the dev side."""
    never = Document("Gus in Bern.")
    store.add_documents([never])
    unsure = add(store, "Cy in Lima.", [Span(6, 10, "LOC")], confidence=0.2)
    failed = add(store, "Ed failed.", [], status=AnnotationStatus.FAILED)
    waiting = add(store, "Di in Kiev.", [Span(6, 10, "LOC")], confidence=0.2)
    discarded = add(store, "Hal in Rome.", [], confidence=0.2)
    add(store, "Bob in Oslo.", [Span(7, 11, "LOC")], confidence=0.95)
    add(store, "Ann in Rome.", [Span(0, 3, "PER")], annotator=HUMAN)

    data = build_training_set(store, LABELS, "g", 0.5, {waiting}, excluded={discarded}, dev_fraction=0.0)
    assert {d.id for d in data.unlabelled} == {never.id, unsure, failed}
    everything_dev = build_training_set(store, LABELS, "g", 0.5, {waiting}, dev_fraction=0.99999)
    assert everything_dev.unlabelled == []


def test_split_is_stable_and_the_hash_tracks_content(store):
    for i in range(40):
        add(store, f"Person {i} lives in Rome.", [Span(19 + len(str(i)), 23 + len(str(i)), "LOC")])
    first = build_training_set(store, LABELS, "g")
    second = build_training_set(store, LABELS, "g")
    assert [e.document.id for e in first.dev] == [e.document.id for e in second.dev]
    assert all(in_dev(e.document.id, 0.15) for e in first.dev) and first.dev and first.train
    assert first.hash == second.hash
    assert build_training_set(store, ("PER",), "g").hash != first.hash


def test_gliner_examples_carry_every_label_as_candidates(store):
    add(store, "Ann in Rome.", [Span(0, 3, "PER")])
    (example,) = build_training_set(store, LABELS, "g", dev_fraction=0.0).train
    assert example.gliner(LABELS) == {
        "tokenized_text": ["Ann", "in", "Rome", "."],
        "ner": [[0, 0, "PER"]],
        "ner_labels": ["PER", "LOC"],
    }


def test_held_out_text_is_refused_whatever_route_it_takes(store):
    store.add_labelled([LabelledDocument(Document("Secret test sentence."), ())], Split.TEST, HUMAN)
    smuggled = TrainingSet(
        train=[Example(Document("Secret test sentence."), [], "human")], dev=[], labels=LABELS
    )
    with pytest.raises(LeakageError, match=r"refusing to train on 1 held-out document\(s\) \(1 test\)"):
        refuse_held_out(store, smuggled)
