"""`review_budget --report` writes the section from what is measured: where teacher labels are
missing it stops and says so, and never starts the teacher or trains its second opinion."""

from __future__ import annotations

import pytest

from benchmarks import review_budget
from benchmarks import teacher_label_files as label_files
from corpus.conll import read_conll
from corpus.guideline_files import load_guidelines


def never(*_args, **_kwargs):
    raise AssertionError("--report must not start the teacher or train its second opinion")


def test_report_stops_where_the_teacher_has_not_labelled_every_document(corpora, tmp_path, monkeypatch):
    monkeypatch.setattr(review_budget, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(label_files, "LABELS", tmp_path / "labels")  # no label file to restore from
    monkeypatch.setattr(review_budget, "local_teacher", never)
    items = list(read_conll(corpora / "wikigold/wikigold.conll.txt"))[:5]
    with pytest.raises(
        SystemExit, match=r"--report: 5 of 5 documents have no teacher labels here \(review-budget"
    ):
        review_budget.teacher_labels(
            "wikigold",
            "qwen2.5-coder-1.5b",
            items[:2],
            items[2:],
            load_guidelines("general"),
            never,
            ask=False,
        )
