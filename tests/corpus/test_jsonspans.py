"""Character-span JSON(L) readers: field detection, errors by line, the real PII set's counts."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from corpus.errors import InputError
from corpus.jsonspans import read_span_json


def test_jsonl_with_spans(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(
        json.dumps({"text": "Ann met Bob.", "spans": [{"start": 0, "end": 3, "label": "PER"}], "id": 7})
        + "\n\n"
        + json.dumps({"text": "Nothing here.", "spans": []}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    items = list(read_span_json(path))
    assert [(i.document.text, [(s.start, s.end, s.label) for s in i.spans]) for i in items] == [
        ("Ann met Bob.", [(0, 3, "PER")]),
        ("Nothing here.", []),
    ]
    assert items[0].document.metadata["id"] == 7 and items[0].document.metadata["line"] == 1


def test_every_bad_record_is_reported_with_its_line_and_nothing_is_yielded(tmp_path):
    path = tmp_path / "bad.jsonl"
    lines = [
        {"text": "Fine.", "spans": []},
        {"text": "Short.", "spans": [{"start": 2, "end": 40, "label": "X"}]},
        "not json",
        {"text": "Ann.", "spans": [{"start": 0, "end": 3, "label": "PER", "text": "Bob"}]},
        {"spans": []},
    ]
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines), encoding="utf-8")
    with pytest.raises(InputError) as error:
        list(read_span_json(path))
    message = str(error.value)
    assert f"{path}:2: span 0: offsets [2, 40) are not a range inside the text" in message
    assert f"{path}:3: invalid JSON" in message
    assert f"{path}:4: span 0: its text 'Bob' differs" in message
    assert f"{path}:5: no text field" in message
    assert len(error.value.problems) == 4


def test_whitespace_around_a_span_is_trimmed(tmp_path):
    path = tmp_path / "pad.jsonl"
    path.write_text(
        json.dumps({"text": "Hi Ann !", "spans": [{"start": 2, "end": 7, "label": "PER"}]}), encoding="utf-8"
    )
    (item,) = read_span_json(path)
    assert item.document.text[item.spans[0].start : item.spans[0].end] == "Ann"


def test_presidio_synthetic_pii_matches_the_raw_json(corpora):
    """The committed slice (400 of 1,500 samples): every span the file holds, read with its label."""
    path = corpora / "presidio-synth-pii/synth_dataset_v2.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    items = list(read_span_json(path))
    labels = Counter(s.label for item in items for s in item.spans)
    assert len(items) == len(raw) == 400
    assert sum(1 for item in items if not item.spans) == sum(1 for r in raw if not r["spans"]) > 0
    assert labels == Counter(span["entity_type"] for r in raw for span in r["spans"])
    for item, record in zip(items, raw, strict=True):
        assert sorted(item.document.text[s.start : s.end] for s in item.spans) == sorted(
            span["entity_value"] for span in record["spans"]
        )


def test_doccano_exports_read_in_both_shapes(tmp_path):
    """doccano's JSONL: the older `label: [[start, end, label]]`, and `entities` objects."""
    old = {"id": 1, "text": "Ada Lovelace met Bob.", "label": [[0, 12, "PER"], [17, 20, "PER"]]}
    new = {
        "id": 2,
        "text": "Eve left Paris.",
        "entities": [{"id": 9, "start_offset": 9, "end_offset": 14, "label": "LOC"}],
    }
    path = tmp_path / "doccano.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (old, new)) + "\n")
    items = list(read_span_json(path))
    found = [[(i.document.text[s.start : s.end], s.label) for s in i.spans] for i in items]
    assert found == [[("Ada Lovelace", "PER"), ("Bob", "PER")], [("Paris", "LOC")]]
