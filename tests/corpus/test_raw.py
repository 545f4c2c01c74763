"""Raw text readers: every format, and every bad item skipped with where and why."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.chunking import chunk_text
from corpus.model import Document
from corpus.raw import Rejected, read_raw


def split(items):
    docs = [i for i in items if isinstance(i, Document)]
    rejected = [i for i in items if isinstance(i, Rejected)]
    return docs, rejected


def test_txt_one_document_per_line_with_bad_lines_reported(tmp_path):
    path = tmp_path / "raw.txt"
    path.write_bytes(b"First doc.\n\n   \nSecond \xe2\x80\x94 doc.\nBad \xff byte.\nNUL \x00 inside.\nLast.")
    docs, rejected = split(list(read_raw(path)))
    assert [d.text for d in docs] == ["First doc.", "Second \u2014 doc.", "Last."]
    assert docs[1].metadata == {"file": str(path), "line": 4}
    assert [(r.location, r.reason.split(" (")[0]) for r in rejected] == [
        (f"{path}:5", "not valid UTF-8"),
        (f"{path}:6", "binary content"),
    ]


def test_txt_one_document_per_file_in_a_folder(tmp_path):
    (tmp_path / "a.txt").write_text("Alpha.\nStill alpha.", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("Beta.", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    docs, rejected = split(list(read_raw(tmp_path, unit="file")))
    assert [d.text for d in docs] == ["Alpha.\nStill alpha.", "Beta."]
    assert [(r.location, r.reason) for r in rejected] == [(str(tmp_path / "empty.txt"), "empty text")]


def test_jsonl_keeps_fields_as_metadata(tmp_path):
    path = tmp_path / "raw.jsonl"
    path.write_text(
        "\n".join([json.dumps({"text": "One.", "lang": "en"}), "{broken", json.dumps({"body": "Two."}),
                   json.dumps({"title": "no text"})]),
        encoding="utf-8",
    )  # fmt: skip
    docs, rejected = split(list(read_raw(path)))
    assert [d.text for d in docs] == ["One.", "Two."]
    assert docs[0].metadata["lang"] == "en"
    assert [r.location for r in rejected] == [f"{path}:2", f"{path}:4"]
    assert "no text or content" in rejected[1].reason


def test_csv_with_a_named_column_and_multiline_cells(tmp_path):
    path = tmp_path / "raw.csv"
    path.write_text('id,message\n1,"Hello\nworld"\n2,\n3,Bye\n', encoding="utf-8")
    docs, rejected = split(list(read_raw(path, text_field="message")))
    assert [d.text for d in docs] == ["Hello\nworld", "Bye"]
    assert docs[0].metadata["id"] == "1"
    assert [(r.location, r.reason) for r in rejected] == [(f"{path}:4", "empty text")]


def test_parquet(tmp_path):
    path = tmp_path / "raw.parquet"
    pq.write_table(pa.table({"text": ["P one.", None, "P two."]}), path)
    docs, rejected = split(list(read_raw(path)))
    assert [d.text for d in docs] == ["P one.", "P two."]
    assert rejected[0].location == f"{path}:row 1" and "NoneType" in rejected[0].reason


def test_hugging_face_dataset_on_disk(tmp_path):
    from datasets import Dataset, DatasetDict

    DatasetDict({"train": Dataset.from_dict({"text": ["HF one.", "HF two."]})}).save_to_disk(tmp_path / "ds")
    docs, rejected = split(list(read_raw(tmp_path / "ds")))
    assert [d.text for d in docs] == ["HF one.", "HF two."] and not rejected
    assert docs[0].metadata["split"] == "train"


def test_missing_path_is_reported_not_raised(tmp_path):
    (rejected,) = read_raw(tmp_path / "nope.txt")
    assert rejected.reason == "no such file or folder"


def test_a_long_document_is_cut_into_parts_that_keep_every_character(tmp_path):
    text = " ".join(f"Sentence number {i} is here." for i in range(400))
    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")
    docs, _ = split(list(read_raw(path, max_chars=1000)))
    assert len(docs) > 1 and all(len(d.text) <= 1000 for d in docs)
    assert "".join(d.text for d in docs) == text
    assert [d.metadata["offset"] for d in docs] == [text.index(d.text) for d in docs]
    assert len({d.metadata["part_of"] for d in docs}) == 1


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .\n!")), min_size=0, max_size=400), st.integers(10, 80))
def test_chunks_cover_the_text_exactly(text, max_chars):
    chunks = chunk_text(text, max_chars)
    assert "".join(c.text for c in chunks) == text
    assert all(len(c.text) <= max_chars and text[c.start : c.end] == c.text for c in chunks)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abc  .")), min_size=0, max_size=400), st.integers(20, 80))
def test_overlapping_chunks_still_cover_everything(text, max_chars):
    chunks = chunk_text(text, max_chars, overlap_chars=max_chars // 4)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert after.start <= before.end and after.start > before.start
