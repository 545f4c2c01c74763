"""Spans found in overlapping windows merge back to one flat set per document."""

from __future__ import annotations

from student.predict import _merge


def test_overlapping_window_spans_merge_by_score():
    merged = _merge({(0, 4, "LOC"): 0.9, (0, 9, "ORG"): 0.6, (10, 14, "PER"): 0.7, (10, 14, "LOC"): 0.5})
    assert [(s.start, s.end, s.label) for s in merged] == [(0, 4, "LOC"), (10, 14, "PER")]
