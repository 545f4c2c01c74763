"""Long texts are read whole: windows cover every word and fit the encoder's limits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.alignment import tokenize
from student.predict import _merge, windows


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["Rome", "is", "a", "city", ".", "Anne-Marie", "😀"]), min_size=1, max_size=300),
    st.integers(2, 40),
    st.integers(5, 60),
)
def test_windows_cover_every_word_within_budget(words, max_words, budget):
    text = " ".join(words)
    tokens = tokenize(text)
    costs = [1 + len(t.text) // 4 for t in tokens]
    overlap = max_words // 4
    result = windows(text, costs, budget, max_words, overlap)
    covered = set()
    for window in result:
        inside = [i for i, t in enumerate(tokens) if window.start <= t.start and t.end <= window.end]
        assert len(inside) <= max_words
        assert len(inside) == 1 or sum(costs[i] for i in inside) <= budget
        covered.update(inside)
    assert covered == set(range(len(tokens))), "no word is ever dropped"


def test_overlapping_window_spans_merge_by_score():
    merged = _merge({(0, 4, "LOC"): 0.9, (0, 9, "ORG"): 0.6, (10, 14, "PER"): 0.7, (10, 14, "LOC"): 0.5})
    assert [(s.start, s.end, s.label) for s in merged] == [(0, 4, "LOC"), (10, 14, "PER")]
