"""The markup format for hand-written gold sets (the demo's validation set uses it)."""

from __future__ import annotations

import pytest

from corpus.errors import InputError
from corpus.guideline_files import load_guidelines
from corpus.markup import read_markup
from corpus.model import Split
from flows.demo_run import DEMO_DATA


def test_markup_lines_become_labelled_documents(tmp_path):
    path = tmp_path / "gold.markup"
    path.write_text(
        "# comment\n[Ann](PER) met [Bob Lee](PER) in [Oslo](LOC).\n\nNo entities here.\n", encoding="utf-8"
    )
    items = list(read_markup(path, Split.VALIDATION))
    assert [i.document.text for i in items] == ["Ann met Bob Lee in Oslo.", "No entities here."]
    assert [(items[0].document.text[s.start : s.end], s.label) for s in items[0].spans] == [
        ("Ann", "PER"), ("Bob Lee", "PER"), ("Oslo", "LOC")
    ]  # fmt: skip
    assert items[0].document.split is Split.VALIDATION and items[1].document.metadata["line"] == 4


def test_broken_markup_is_reported_by_line(tmp_path):
    path = tmp_path / "bad.markup"
    path.write_text("[Ann](PER) ok.\n[Bob(PER) broken.\n[ Carl ](PER) padded.\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        list(read_markup(path))
    assert f"{path}:2: unbalanced markup" in str(error.value)
    assert f"{path}:3: " in str(error.value) and "whitespace" in str(error.value)


def test_demo_validation_set_uses_only_the_general_labels():
    labels = set(load_guidelines("general").label_names)
    items = list(read_markup(DEMO_DATA / "validation.markup", Split.VALIDATION))
    assert len(items) >= 30
    assert {s.label for i in items for s in i.spans} <= labels
    corpus = (DEMO_DATA / "corpus.txt").read_text(encoding="utf-8").splitlines()
    assert not {i.document.text for i in items} & set(corpus), (
        "held-out sentences never appear in the raw corpus"
    )
