"""Ingest into the store: real corpora, bad files, and crashes mid-way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

import corpus.ingest as ingest_module
from corpus.dataset_io import annotation_records, to_dataset, write_jsonl
from corpus.errors import InputError
from corpus.ingest import ingest_labelled, ingest_raw
from corpus.model import AnnotatorKind, Document, Split
from corpus.store import Store


@pytest.fixture
def store(db_url):
    with Store(db_url) as store:
        yield store


def test_wikigold_as_validation_set(store, corpora):
    report = ingest_labelled(store, corpora / "wikigold/wikigold.conll.txt", Split.VALIDATION)
    assert (report.read, report.entities) == (1696, 3558)
    # nine sentences occur twice in wikigold (e.g. "The" headings): stored once, counted as duplicates
    assert report.added + report.duplicates == 1696 and report.duplicates == 9
    assert store.counts()["documents"]["validation"] == report.added
    again = ingest_labelled(store, corpora / "wikigold/wikigold.conll.txt", Split.VALIDATION)
    assert again.added == 0 and again.duplicates == 1696


def test_wnut_raw_pool_never_takes_in_held_out_test_sentences(store, corpora):
    """The WNUT-17 trap: the raw pools contain the test sentences verbatim."""
    ingest_labelled(store, corpora / "wnut17/emerging.test.annotated", Split.TEST)
    test_ids = store.held_out_ids()
    report = ingest_raw(store, [corpora / "wnut17/source/raw_data/ile.10000"])
    pool_ids = {d.id for d in store.documents(split=Split.POOL)}
    assert pool_ids.isdisjoint(test_ids)
    assert report.added == len(pool_ids)
    assert report.read == report.added + report.duplicates + len(report.rejected)


def test_a_bad_labelled_file_stores_nothing(store, tmp_path):
    path = tmp_path / "gold.conll"
    path.write_text("Ann B-PER\n\nBob\n", encoding="utf-8")
    with pytest.raises(InputError, match="gold.conll:3"):
        ingest_labelled(store, path, Split.VALIDATION)
    assert store.documents() == []


def test_a_crash_mid_ingest_keeps_whole_batches_and_a_rerun_continues(store, tmp_path, monkeypatch):
    path = tmp_path / "many.txt"
    path.write_text("\n".join(f"Line {i}." for i in range(2500)), encoding="utf-8")
    monkeypatch.setattr(ingest_module, "BATCH", 1000)
    original = store.add_documents
    calls = []

    def crash_on_second_batch(batch):
        calls.append(len(batch))
        if len(calls) == 2:
            raise KeyboardInterrupt  # as if the process were stopped here
        return original(batch)

    monkeypatch.setattr(store, "add_documents", crash_on_second_batch)
    with pytest.raises(KeyboardInterrupt):
        ingest_raw(store, [path])
    monkeypatch.setattr(store, "add_documents", original)
    assert len(store.documents()) == 1000  # the first batch, whole; nothing of the second
    report = ingest_raw(store, [path])
    assert (report.added, report.duplicates) == (1500, 1000)
    assert len(store.documents()) == 2500


def test_sigkill_mid_ingest_never_leaves_half_a_batch(tmp_path):
    """A real process killed with SIGKILL while writing."""
    path = tmp_path / "big.txt"
    path.write_text("\n".join(f"Document {i} of the kill test." for i in range(60_000)), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    Store(url).close()
    script = (
        "import sys; from corpus.ingest import ingest_raw; from corpus.store import Store; "
        f"ingest_raw(Store({url!r}), [{str(path)!r}])"
    )
    process = subprocess.Popen([sys.executable, "-c", script], env={**os.environ})
    with Store(url) as store:
        deadline = time.monotonic() + 120
        while not store.documents() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        stored = len(store.documents())
        assert 0 < stored < 60_000, "the kill must land mid-run for this test to mean anything"
        assert stored % ingest_module.BATCH == 0
        report = ingest_raw(store, [path])
        assert report.added == 60_000 - stored
        assert len(store.documents()) == 60_000


def test_annotations_out_as_jsonl_and_dataset(store, tmp_path, corpora):
    ingest_labelled(store, corpora / "ncbi-disease/devel.tsv", Split.VALIDATION)
    store.add_documents([Document("No annotation yet.")])
    records = list(annotation_records(store, kind=AnnotatorKind.HUMAN))
    assert len(records) == store.counts()["documents"]["validation"]
    assert sum(len(r["spans"]) for r in records) == store.counts()["spans"]["human"]
    for record in records[:50]:
        for span in record["spans"]:
            assert record["text"][span["start"] : span["end"]] == span["text"]
    out = tmp_path / "out.jsonl"
    assert write_jsonl(iter(records), out) == len(records)
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(records)
    dataset = to_dataset(iter(records))
    assert len(dataset) == len(records)
    assert dataset[0]["spans"] == [{**s, "score": None} for s in records[0]["spans"]]
    assert len(to_dataset(iter([]))) == 0


GENERAL = ("PER", "ORG", "LOC", "MISC")


def test_gold_with_a_label_the_guidelines_lack_is_refused_with_its_line(store, tmp_path):
    path = tmp_path / "gold.conll"
    path.write_text("Ann B-PER\n\nMerlin B-WIZARD\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"gold.conll:3: label 'WIZARD' is not in the guidelines \(LOC, MISC"
    ):
        ingest_labelled(store, path, Split.VALIDATION, labels=GENERAL)
    assert store.documents() == []


def test_overlapping_gold_spans_are_refused_with_their_line(store, tmp_path):
    path = tmp_path / "gold.jsonl"
    record = {"text": "New York City", "spans": [{"start": 0, "end": 8, "label": "LOC"},
                                                 {"start": 4, "end": 13, "label": "LOC"}]}  # fmt: skip
    path.write_text('{"text": "Fine.", "spans": []}\n' + json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"gold.jsonl:2: spans 'New York' LOC \[0, 8\) and 'York City'"):
        ingest_labelled(store, path, Split.VALIDATION, labels=GENERAL)
    assert store.documents() == []


def test_a_json_file_whose_span_field_is_not_found_names_the_fields_it_saw(store, tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text('{"text": "Ann met Bob.", "annotations": [[0, 3, "PER"]]}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"gold.jsonl:1: no spans field .*the record has annotations, text"):
        ingest_labelled(store, path, Split.VALIDATION, labels=GENERAL)


def test_spacy_style_ents_are_read_as_spans(store, tmp_path):
    path = tmp_path / "spacy.jsonl"
    path.write_text(
        '{"text": "Ann met Bob.", "ents": [{"start": 0, "end": 3, "label": "PER"}]}\n', encoding="utf-8"
    )
    report = ingest_labelled(store, path, Split.VALIDATION, labels=GENERAL)
    assert report.entities == 1
    (annotation,) = store.annotations(kind=AnnotatorKind.HUMAN)
    assert [(s.start, s.end, s.label) for s in annotation.spans] == [(0, 3, "PER")]


def test_correcting_gold_for_a_stored_text_is_explicit_and_keeps_the_old_labels(store, tmp_path):
    first, corrected = tmp_path / "gold.markup", tmp_path / "gold-fixed.markup"
    first.write_text("[Ann](ORG) met [Bob](PER).\n", encoding="utf-8")
    corrected.write_text("[Ann](PER) met [Bob](PER).\n", encoding="utf-8")
    ingest_labelled(store, first, Split.VALIDATION, labels=GENERAL)

    with pytest.raises(
        InputError, match=r"gold-fixed.markup:1: document \w+ is already stored with other labels.*--replace"
    ):
        ingest_labelled(store, corrected, Split.VALIDATION, labels=GENERAL)
    (annotation,) = store.annotations(kind=AnnotatorKind.HUMAN)
    assert [s.label for s in annotation.spans] == ["ORG", "PER"], "refused: nothing changed"

    report = ingest_labelled(store, corrected, Split.VALIDATION, labels=GENERAL, replace=True)
    assert (report.replaced, report.added) == (1, 0)
    (annotation,) = store.annotations(kind=AnnotatorKind.HUMAN)
    assert [s.label for s in annotation.spans] == ["PER", "PER"]
    (old,) = annotation.metadata["history"]
    assert old["annotator"] == "human:gold:gold.markup" and old["spans"] == [[0, 3, "ORG"], [8, 11, "PER"]]

    again = ingest_labelled(store, corrected, Split.VALIDATION, labels=GENERAL, replace=True)
    assert (again.replaced, again.duplicates) == (0, 1), "the same labels again: nothing to replace"
