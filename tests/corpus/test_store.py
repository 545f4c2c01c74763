"""The store on SQLite and on a real PostgreSQL server (see tests/conftest.py)."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

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
from corpus.tables import Base

TEACHER = Annotator(AnnotatorKind.TEACHER, "qwen2.5-0.5b")
GOLD = Annotator(AnnotatorKind.HUMAN, "gold:test")


@pytest.fixture
def store(db_url):
    with Store(db_url) as store:
        yield store


def labelled(text: str, *spans: tuple[int, int, str]) -> LabelledDocument:
    return LabelledDocument(Document(text), tuple(Span(*s) for s in spans))


def test_migrations_create_exactly_the_declared_tables(store):
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_reopening_a_store_keeps_its_data(db_url):
    with Store(db_url) as store:
        store.add_documents([Document("Kept across restarts.")])
    with Store(db_url) as store:  # migrations run again: a no-op
        assert [d.text for d in store.documents()] == ["Kept across restarts."]


def test_documents_are_deduplicated_by_content_hash(store):
    first = store.add_documents([Document("A."), Document("B."), Document("A.", source="elsewhere")])
    second = store.add_documents([Document("B."), Document("C.")])
    assert (first.added, first.duplicates) == (2, 1)
    assert (second.added, second.duplicates) == (1, 1)
    assert sorted(d.text for d in store.documents()) == ["A.", "B.", "C."]


def test_document_ids_come_in_the_order_documents_do(store):
    store.add_documents([Document(f"Pool {i}.") for i in (3, 1, 2)])
    store.add_labelled([labelled("Held out.")], Split.VALIDATION, GOLD)
    assert store.document_ids() == [d.id for d in store.documents()]
    assert store.document_ids(Split.POOL) == [d.id for d in store.documents(split=Split.POOL)]
    assert [d.text for d in store.documents(ids=store.document_ids(Split.VALIDATION))] == ["Held out."]


def test_held_out_text_is_never_added_to_the_pool(store):
    store.add_labelled([labelled("Paris is big.", (0, 5, "LOC"))], Split.VALIDATION, GOLD)
    report = store.add_documents([Document("Paris is big."), Document("Rome is old.")])
    assert report.added == 1
    assert [reason for _, reason in report.skipped] == ["held out (validation): never annotated for training"]
    assert [d.text for d in store.documents(split=Split.POOL)] == ["Rome is old."]


def test_pool_document_that_becomes_held_out_is_moved(store):
    store.add_documents([Document("Berlin is large.")])
    report = store.add_labelled([labelled("Berlin is large.", (0, 6, "LOC"))], Split.TEST, GOLD)
    assert report.moved_to_held_out == 1
    assert store.documents(split=Split.TEST)[0].text == "Berlin is large."
    assert store.documents(split=Split.POOL) == []


def test_a_document_is_not_silently_moved_between_held_out_splits(store):
    store.add_labelled([labelled("Oslo.", (0, 4, "LOC"))], Split.VALIDATION, GOLD)
    report = store.add_labelled([labelled("Oslo.", (0, 4, "LOC"))], Split.TEST, GOLD)
    assert report.skipped and "already in the validation split" in report.skipped[0][1]
    assert store.documents(split=Split.TEST) == []


def test_training_on_held_out_documents_is_refused_with_their_ids(store):
    store.add_labelled([labelled("Held out sentence.")], Split.VALIDATION, GOLD)
    store.add_labelled([labelled("Test sentence.")], Split.TEST, GOLD)
    store.add_documents([Document("Trainable.")])
    ids = {d.text: d.id for d in store.documents()}
    store.assert_trainable([ids["Trainable."]])  # fine
    with pytest.raises(LeakageError) as error:
        store.assert_trainable(list(ids.values()))
    message = str(error.value)
    assert "2 held-out document(s)" in message
    assert ids["Held out sentence."][:12] in message and ids["Test sentence."][:12] in message
    assert "1 test" in message and "1 validation" in message


def test_annotations_round_trip_with_spans_scores_and_costs(store):
    store.add_documents([Document("Ada Lovelace met Babbage.")])
    doc_id = store.documents()[0].id
    annotation = Annotation(
        doc_id,
        TEACHER,
        [Span(0, 12, "PER", 0.9), Span(17, 24, "PER", 0.4)],
        guidelines_version="abc",
        confidence=0.4,
        tokens_in=120,
        tokens_out=30,
        cost_usd=0.0012,
        metadata={"invalid_spans": 1},
    )
    store.save_annotations([annotation])
    (back,) = store.annotations(kind=AnnotatorKind.TEACHER)
    assert back.spans == annotation.spans
    assert [s.score for s in back.spans] == [0.9, 0.4]
    assert (back.confidence, back.tokens_in, back.tokens_out, back.cost_usd) == (0.4, 120, 30, 0.0012)
    assert back.metadata == {"invalid_spans": 1}
    assert back.annotator == TEACHER and back.guidelines_version == "abc"
    assert {s.source for s in back.spans} == {"teacher:qwen2.5-0.5b"}, "each span says who produced it"


def test_saving_again_replaces_the_same_annotators_annotation(store):
    store.add_documents([Document("Rome.")])
    doc_id = store.documents()[0].id
    store.save_annotations([Annotation(doc_id, TEACHER, [Span(0, 4, "ORG")], guidelines_version="v1")])
    store.save_annotations([Annotation(doc_id, TEACHER, [Span(0, 4, "LOC")], guidelines_version="v1")])
    store.save_annotations([Annotation(doc_id, TEACHER, [], guidelines_version="v2")])
    by_version = {a.guidelines_version: a for a in store.annotations()}
    assert by_version["v1"].spans == [Span(0, 4, "LOC")]
    assert by_version["v2"].spans == []


def test_a_failing_batch_leaves_nothing_behind(store):
    store.add_documents([Document("One."), Document("Two.")])
    ids = [d.id for d in store.documents()]
    good = Annotation(ids[0], TEACHER, [Span(0, 3, "X")])
    bad = Annotation("0" * 64, TEACHER, [Span(0, 3, "X")])  # no such document: foreign key fails
    with pytest.raises(Exception):  # noqa: B017 - the driver's IntegrityError differs per database
        store.save_annotations([good, bad])
    assert store.annotations() == []


def test_failed_annotation_keeps_its_reason(store):
    store.add_documents([Document("Too hard.")])
    doc_id = store.documents()[0].id
    store.save_annotations(
        [Annotation(doc_id, TEACHER, [], status=AnnotationStatus.FAILED, error="timeout after 3 retries")]
    )
    (back,) = store.annotations()
    assert back.status is AnnotationStatus.FAILED and back.error == "timeout after 3 retries"
    assert store.counts()["annotations"] == {"teacher (failed)": 1}


def test_counts_per_split_and_annotator(store):
    store.add_documents([Document("a"), Document("b")])
    store.add_labelled([labelled("Gold Paris.", (5, 10, "LOC"))], Split.VALIDATION, GOLD)
    counts = store.counts()
    assert counts["documents"] == {"pool": 2, "validation": 1, "test": 0}
    assert counts["annotations"] == {"human": 1}
    assert counts["spans"] == {"human": 1}


def test_two_writers_adding_the_same_documents_store_each_once(db_url):
    texts = [f"Document number {i}." for i in range(300)]
    Store(db_url).close()  # create the schema once, as `distil init` would
    reports = []

    def worker():
        with Store(db_url) as store:
            reports.append(store.add_documents([Document(t) for t in texts]))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.added for r in reports) == 300
    assert sum(r.duplicates for r in reports) == 300
    with Store(db_url) as store:
        assert len(store.documents()) == 300
