"""CoNLL readers: tagging schemes, errors by line, and the real corpora's stated counts."""

from __future__ import annotations

from collections import Counter

import pytest

from corpus.conll import detect_scheme, read_conll
from corpus.errors import InputError


def spans_of(path, **options):
    return [
        [(d.document.text[s.start : s.end], s.label) for s in d.spans] for d in read_conll(path, **options)
    ]


def write(tmp_path, text, name="data.conll"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bio_with_adjacent_entities_of_one_type(tmp_path):
    path = write(tmp_path, "Ann\tB-PER\nBob\tB-PER\nSmith\tI-PER\nin\tO\nRome\tB-LOC\n\nOk\tO\n")
    assert spans_of(path) == [[("Ann", "PER"), ("Bob Smith", "PER"), ("Rome", "LOC")], []]


def test_iob1_starts_entities_with_i_and_separates_with_b(tmp_path):
    path = write(tmp_path, "Ann I-PER\nBob B-PER\nSmith I-PER\nin O\nNew I-LOC\nYork I-LOC\nTimes I-ORG\n")
    assert detect_scheme(["I-PER", "B-PER", "I-PER", "O", "I-LOC", "I-LOC", "I-ORG"]) == "iob1"
    assert spans_of(path) == [[("Ann", "PER"), ("Bob Smith", "PER"), ("New York", "LOC"), ("Times", "ORG")]]


def test_iobes(tmp_path):
    path = write(tmp_path, "Ann S-PER\nvisited O\nNew B-LOC\nYork E-LOC\nand O\nParis S-LOC\n")
    assert spans_of(path) == [[("Ann", "PER"), ("New York", "LOC"), ("Paris", "LOC")]]


def test_docstart_groups_sentences_into_documents(tmp_path):
    text = "-DOCSTART- O\n\nA B-PER\n.\tO\n\nB O\n\n-DOCSTART- O\n\nC B-LOC\n"
    path = write(tmp_path, text)
    sentences = list(read_conll(path, unit="sentence"))
    documents = list(read_conll(path, unit="document"))
    assert [d.document.text for d in sentences] == ["A .", "B", "C"]
    assert [d.document.text for d in documents] == ["A .\nB", "C"]
    assert [(d.document.text[s.start : s.end]) for d in documents for s in d.spans] == ["A", "C"]
    assert documents[1].document.metadata["line"] == 10


def test_malformed_rows_are_all_reported_with_their_lines(tmp_path):
    path = write(tmp_path, "Ann B-PER\nlonely\nBob X-PER\nok O\n")
    with pytest.raises(InputError) as error:
        list(read_conll(path))
    message = str(error.value)
    assert f"{path}:2: expected 'TOKEN<sep>TAG'" in message
    assert f"{path}:3: tag 'X-PER'" in message


def test_undecodable_file_names_its_line(tmp_path):
    path = tmp_path / "bad.conll"
    path.write_bytes(b"Ann B-PER\nZ\xfcrich B-LOC\n")
    with pytest.raises(InputError, match=r"bad.conll:2: not valid UTF-8"):
        list(read_conll(path))


# Counts as stated in each corpus's SOURCE.upstream.txt (these files are committed whole)
REAL = [
    ("wikigold/wikigold.conll.txt", "sentence", 1696, 3558,
     {"LOC": 1014, "PER": 934, "ORG": 898, "MISC": 712}),
    ("wikigold/wikigold.conll.txt", "document", 145, 3558, None),
    ("wnut17/emerging.dev.conll", "sentence", 1009, 836, {"person": 470, "product": 114, "creative-work": 105,
     "location": 74, "group": 39, "corporation": 34}),
    ("wnut17/emerging.test.annotated", "sentence", 1287, 1079, {"person": 429, "group": 165, "location": 150,
     "creative-work": 142, "product": 127, "corporation": 66}),
    ("crossner/ai/dev.txt", "sentence", 350, 1549, None),
    ("crossner/ai/train.txt", "sentence", 100, 532, None),
    ("crossner/literature/dev.txt", "sentence", 400, 2130, None),
    ("crossner/literature/train.txt", "sentence", 100, 541, None),
    ("ncbi-disease/devel.tsv", "sentence", 923, 787, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "unit", "documents", "entities", "per_type"), REAL, ids=[f"{r[0]}-{r[1]}" for r in REAL]
)
def test_real_corpora_match_their_stated_counts(corpora, path, unit, documents, entities, per_type):
    items = list(read_conll(corpora / path, unit=unit))
    assert len(items) == documents
    labels = Counter(s.label for item in items for s in item.spans)
    assert sum(labels.values()) == entities
    if per_type:
        assert dict(labels) == per_type
    for item in items[:200]:  # offsets point at the tokens' text
        for span in item.spans:
            span.check(item.document.text)


def test_real_corpus_token_count(corpora):
    """wikigold: 39007 tokens; rebuilt text has one space between tokens in a sentence."""
    items = list(read_conll(corpora / "wikigold/wikigold.conll.txt", unit="sentence"))
    assert sum(len(item.document.text.split(" ")) for item in items) == 39007
