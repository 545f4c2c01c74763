"""Every reader and writer pair gives back what it was given, on the real corpora (IOB1 wikigold,
BIO WNUT-17 and NCBI, CrossNER, free-text Presidio with character spans, long documents); a
file that cannot be read, or a label left unmapped, is an error that names where and stores
nothing."""

from __future__ import annotations

import json

import pytest

from corpus.conll import read_conll, write_conll
from corpus.errors import InputError
from corpus.gliner_json import read_gliner_json, write_gliner_json
from corpus.hf_dataset import read_hf, write_hf
from corpus.ingest import detect_format, ingest_labelled
from corpus.jsonspans import read_span_json
from corpus.label_studio import read_label_studio, write_label_studio
from corpus.model import Split
from corpus.spacy_docbin import read_docbin, write_docbin
from corpus.store import Store

CONLL = {  # token corpora: their text is tokens joined by spaces, so every format keeps it exactly
    "wikigold/wikigold.conll.txt": slice(0, 150),  # IOB1
    "wnut17/emerging.dev.conll": slice(0, 150),
    "ncbi-disease/devel.tsv": slice(0, 150),
    "crossner/ai/dev.txt": slice(0, 80),
}


def _conll(corpora, path, unit="sentence"):
    items = [i for i in read_conll(corpora / path, unit=unit, split=Split.VALIDATION)]
    return items[CONLL[path]] if unit == "sentence" else items[:2]


def _presidio(corpora):
    return list(read_span_json(corpora / "presidio-synth-pii/synth_dataset_v2.json", split=Split.VALIDATION))[
        :150
    ]


def _keys(items):
    return [(i.document.text, [(s.start, s.end, s.label) for s in i.spans]) for i in items]


def _span_texts(items):
    """Each document's entities in text order as (text without whitespace, label): what survives
    re-tokenising."""
    return [
        [
            ("".join(i.document.text[s.start : s.end].split()), s.label)
            for s in sorted(i.spans, key=lambda s: s.start)
        ]
        for i in items
    ]


@pytest.mark.parametrize("path", sorted(CONLL))
def test_token_corpora_round_trip_through_every_format(corpora, tmp_path, path):
    items = _conll(corpora, path)
    assert sum(len(i.spans) for i in items) > 50
    write_conll(items, tmp_path / "out.conll")
    assert _keys(read_conll(tmp_path / "out.conll", split=Split.VALIDATION)) == _keys(items)
    write_hf(((str(n), i) for n, i in enumerate(items)), tmp_path / "hf", "card")
    assert _keys(read_hf(tmp_path / "hf", Split.VALIDATION, "validation")) == _keys(items)
    write_gliner_json(items, tmp_path / "gliner.json", ["PER"])
    back = read_gliner_json(tmp_path / "gliner.json", Split.VALIDATION)
    assert _span_texts(back) == _span_texts(items)  # GLiNER's own words: "U.S." is "U . S ."
    write_label_studio(((str(n), i) for n, i in enumerate(items)), tmp_path / "ls.json")
    assert _keys(read_label_studio(tmp_path / "ls.json", Split.VALIDATION)) == _keys(items)
    write_docbin(items, tmp_path / "train.spacy")
    assert _keys(read_docbin(tmp_path / "train.spacy", Split.VALIDATION)) == _keys(items)


def test_tokens_and_ner_tags_alone_read_as_the_corpus(corpora, tmp_path):
    """A dataset as the hub holds them: tokens + ClassLabel ner_tags, no text, no spans."""
    from datasets import load_from_disk

    items = _conll(corpora, "wnut17/emerging.dev.conll")
    write_hf(((str(n), i) for n, i in enumerate(items)), tmp_path / "hf", "card")
    tokens_only = load_from_disk(str(tmp_path / "hf"))["validation"].remove_columns(["text", "spans"])
    tokens_only.save_to_disk(str(tmp_path / "tokens"))
    assert tokens_only.features["ner_tags"].feature.names[0] == "O"
    assert detect_format(tmp_path / "tokens") == "hf"
    assert _keys(read_hf(tmp_path / "tokens", Split.VALIDATION)) == _keys(items)


def test_free_text_keeps_its_exact_offsets_where_the_format_has_them(corpora, tmp_path):
    items = _presidio(corpora)
    write_hf(((str(n), i) for n, i in enumerate(items)), tmp_path / "hf", "card")
    assert _keys(read_hf(tmp_path / "hf", Split.VALIDATION, "validation")) == _keys(items)
    write_label_studio(((str(n), i) for n, i in enumerate(items)), tmp_path / "ls.json")
    assert _keys(read_label_studio(tmp_path / "ls.json", Split.VALIDATION)) == _keys(items)
    write_docbin(items, tmp_path / "train.spacy")  # tokens cut at entity edges: the text stays exact
    back = read_docbin(tmp_path / "train.spacy", Split.VALIDATION)
    assert [(t, sorted(s)) for t, s in _keys(back)] == [
        (t, sorted(s)) for t, s in _keys(items)
    ]  # in text order
    write_conll(items, tmp_path / "out.conll")  # tokens lose the original spacing, not the entities
    back = read_conll(tmp_path / "out.conll", unit="document", split=Split.VALIDATION)
    assert _span_texts(back) == _span_texts(items)


def test_long_documents_round_trip(corpora, tmp_path):
    items = _conll(corpora, "wikigold/wikigold.conll.txt", unit="document")
    assert max(len(i.document.text.split()) for i in items) > 300
    write_hf(((str(n), i) for n, i in enumerate(items)), tmp_path / "hf", "card")
    assert _keys(read_hf(tmp_path / "hf", Split.VALIDATION, "validation")) == _keys(items)
    write_docbin(items, tmp_path / "long.spacy")
    assert _keys(read_docbin(tmp_path / "long.spacy", Split.VALIDATION)) == _keys(items)
    write_conll(items, tmp_path / "out.conll")
    back = list(read_conll(tmp_path / "out.conll", unit="document", split=Split.VALIDATION))
    assert _span_texts(back) == _span_texts(items)


def test_formats_are_detected(corpora, tmp_path):
    items = _conll(corpora, "wikigold/wikigold.conll.txt")
    write_hf(((str(n), i) for n, i in enumerate(items)), tmp_path / "hf", "card")
    write_gliner_json(items, tmp_path / "train.json", ["PER"])
    (tmp_path / "spans.json").write_text(json.dumps([{"text": "Ada", "spans": []}]))
    assert [detect_format(tmp_path / n) for n in ("hf", "train.json", "spans.json")] == [
        "hf",
        "gliner",
        "jsonl",
    ]


def test_a_dataset_with_several_splits_needs_one_named(corpora, tmp_path):
    items = _conll(corpora, "wikigold/wikigold.conll.txt")
    pool = [
        i.__class__(i.document.__class__(i.document.text, "", {}, Split.POOL), i.spans) for i in items[:5]
    ]
    write_hf(
        [*((str(n), i) for n, i in enumerate(items)), *(("p" + str(n), i) for n, i in enumerate(pool))],
        tmp_path / "hf",
        "c",
    )
    with pytest.raises(
        InputError, match="choose a split with --hf-split .*validation, train|train, validation"
    ):
        read_hf(tmp_path / "hf", Split.VALIDATION)


def test_rows_that_cannot_be_read_are_named_and_nothing_is_stored(tmp_path):
    from datasets import Dataset

    rows = [
        {"tokens": ["Ada", "Lovelace"], "ner_tags": ["B-PER", "I-PER"]},
        {"tokens": ["Bob"], "ner_tags": ["B-PER", "O"]},
    ]
    Dataset.from_list(rows).save_to_disk(str(tmp_path / "bad"))
    with Store(f"sqlite:///{tmp_path}/s.db") as store:
        with pytest.raises(InputError, match=r"bad:1: 1 tokens but 2 tags"):
            ingest_labelled(store, tmp_path / "bad", Split.VALIDATION, labels=["PER"])
        assert store.documents() == []


def test_labels_are_mapped_to_the_guidelines_and_an_unmapped_one_is_named(corpora, tmp_path):
    items = _conll(corpora, "wnut17/emerging.dev.conll")
    write_hf(((str(n), i) for n, i in enumerate(items)), tmp_path / "hf", "card")
    labels = ["PER", "LOC", "ORG", "CORP", "PRODUCT", "WORK"]
    with Store(f"sqlite:///{tmp_path}/s.db") as store:
        partial = {"person": "PER", "location": "LOC"}
        with pytest.raises(InputError, match=r"hf.*group"):  # 'group' was not mapped: named, with where
            ingest_labelled(
                store,
                tmp_path / "hf",
                Split.VALIDATION,
                labels=labels,
                label_map=partial,
                hf_split="validation",
            )
        assert store.documents() == []
        mapping = partial | {
            "group": "ORG",
            "corporation": "CORP",
            "product": "PRODUCT",
            "creative-work": "WORK",
        }
        report = ingest_labelled(
            store, tmp_path / "hf", Split.VALIDATION, labels=labels, label_map=mapping, hf_split="validation"
        )
        assert report.entities == sum(len(i.spans) for i in items) > 0
        stored = {s.label for a in store.annotations() for s in a.spans}
        assert stored <= set(labels) and "PER" in stored


def test_a_label_studio_task_nobody_annotated_is_named(tmp_path):
    tasks = [
        {"id": 7, "data": {"text": "Ada Lovelace"}, "annotations": [{"result": []}]},
        {"id": 8, "data": {"text": "Bob"}, "annotations": [{"result": [], "was_cancelled": True}]},
    ]
    (tmp_path / "ls.json").write_text(json.dumps(tasks))
    with pytest.raises(InputError, match=r"ls.json:1: task 8: not annotated"):
        read_label_studio(tmp_path / "ls.json", Split.VALIDATION)


def test_a_spacy_docbin_made_by_spacy_reads_its_entities_or_its_span_group(tmp_path):
    """Docs as a spaCy user makes them (spaCy's own tokenizer, `doc.ents`, or spancat's
    `doc.spans["sc"]`), and a file that is not a DocBin is an error naming it."""
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    with_ents, with_group = nlp("Ada Lovelace met Charles Babbage in London."), nlp("Ada went to Paris.")
    with_ents.ents = [with_ents.char_span(0, 12, "PER"), with_ents.char_span(36, 42, "LOC")]
    with_group.spans["sc"] = [with_group.char_span(12, 17, "LOC")]
    DocBin(docs=[with_ents, with_group]).to_disk(tmp_path / "made.spacy")
    assert detect_format(tmp_path / "made.spacy") == "spacy"
    back = read_docbin(tmp_path / "made.spacy", Split.VALIDATION)
    assert _keys(back) == [
        ("Ada Lovelace met Charles Babbage in London.", [(0, 12, "PER"), (36, 42, "LOC")]),
        ("Ada went to Paris.", [(12, 17, "LOC")]),
    ]
    (tmp_path / "bad.spacy").write_bytes(b"not a docbin")
    with pytest.raises(InputError, match=r"bad.spacy:0: not a spaCy DocBin"):
        read_docbin(tmp_path / "bad.spacy", Split.VALIDATION)
