"""Long texts are read whole: windows cover every word and fit the encoder's limits."""

from __future__ import annotations

from distil_runtime.words import split_words, windows
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.alignment import tokenize


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["Rome", "is", "a", "city", ".", "Anne-Marie", "😀"]), min_size=1, max_size=300),
    st.integers(2, 40),
    st.integers(5, 60),
)
def test_windows_cover_every_word_within_budget(words, max_words, budget):
    text = " ".join(words)
    tokens = split_words(text)
    costs = [1 + len(t.text) // 4 for t in tokens]
    overlap = max_words // 4
    result = windows(tokens, costs, budget, max_words, overlap)
    covered = set()
    for window in result:
        inside = [i for i, t in enumerate(tokens) if window.start <= t.start and t.end <= window.end]
        assert len(inside) <= max_words
        assert len(inside) == 1 or sum(costs[i] for i in inside) <= budget
        covered.update(inside)
    assert covered == set(range(len(tokens))), "no word is ever dropped"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab_-. \n😀é1"), max_size=60))
def test_words_are_the_words_distil_aligns_labels_to(text):
    assert [(w.text, w.start, w.end) for w in split_words(text)] == [
        (t.text, t.start, t.end) for t in tokenize(text)
    ]
