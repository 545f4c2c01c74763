"""Character spans <-> GLiNER word tokens: exact both ways on real-world text."""

from __future__ import annotations

import pytest
from gliner.data_processing.tokenizer import WhitespaceTokenSplitter
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.alignment import TokenSpan, to_char_spans, to_gliner_example, to_token_spans, tokenize
from corpus.model import Span, SpanError, trim_span

# text drawn from the kinds of characters that break offset code: emoji (with
# joiners and skin tones), combining accents, CJK, repeated and odd whitespace,
# punctuation glued to words, hyphens and underscores
ALPHABET = st.sampled_from(
    list("abcXYZ019 .,;:!?'\"()-_/@#") + ["  ", "\t", "\n", "\u00a0", "\u2003", "é", "e\u0301", "ß", "東京",
     "😀", "👍🏽", "👨\u200d👩\u200d👧", "\u200b", "İ", "ﬁ", "—"]
)  # fmt: skip
TEXTS = st.lists(ALPHABET, min_size=1, max_size=40).map("".join)


@st.composite
def text_with_spans(draw):
    text = draw(TEXTS)
    spans = []
    for _ in range(draw(st.integers(0, 5))):
        a = draw(st.integers(0, len(text)))
        b = draw(st.integers(0, len(text)))
        start, end = trim_span(text, min(a, b), max(a, b))
        if start < end:
            spans.append(Span(start, end, draw(st.sampled_from(["PER", "LOC", "ORG"]))))
    return text, spans


@settings(max_examples=400, deadline=None)
@given(text_with_spans())
def test_char_to_token_to_char_is_the_identity(case):
    text, spans = case
    tokens, token_spans = to_token_spans(text, spans)
    assert to_char_spans(tokens, token_spans) == spans
    # every token is a real slice of the text and none contains whitespace
    for token in tokens:
        assert text[token.start : token.end] == token.text
        assert token.text and not any(c.isspace() for c in token.text)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_without_spans_tokens_are_exactly_glinerss_own_words(text):
    ours = [(t.text, t.start, t.end) for t in tokenize(text)]
    assert ours == list(WhitespaceTokenSplitter()(text))


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_token_to_char_to_token_is_the_identity(text):
    tokens = tokenize(text)
    if not tokens:
        return
    token_spans = [
        TokenSpan(i, j, "X") for i in range(len(tokens)) for j in range(i, min(i + 3, len(tokens)))
    ]
    spans = to_char_spans(tokens, token_spans)
    retokenized, back = to_token_spans(text, spans)
    assert retokenized == tokens  # spans on word boundaries need no extra cut
    assert back == token_spans


def test_a_span_inside_a_hyphenated_word_gets_its_own_tokens():
    text = "The New York-based firm"
    spans = [Span(4, 12, "LOC")]  # "New York" inside "York-based"
    example = to_gliner_example(text, spans, labels=["LOC", "ORG"])
    assert example["tokenized_text"] == ["The", "New", "York", "-based", "firm"]
    assert example["ner"] == [[1, 2, "LOC"]]
    assert example["ner_labels"] == ["LOC", "ORG"]


def test_emoji_and_repeated_whitespace_keep_exact_offsets():
    text = "Met 👨\u200d👩\u200d👧  José\u00a0Álvarez in   Zürich 🇨🇭!"
    spans = [
        Span(text.index("José"), text.index(" in"), "PER"),
        Span(text.index("Zürich"), text.index(" 🇨🇭"), "LOC"),
    ]
    tokens, token_spans = to_token_spans(text, spans)
    assert [text[s.start : s.end] for s in to_char_spans(tokens, token_spans)] == [
        "José\u00a0Álvarez",
        "Zürich",
    ]


@pytest.mark.parametrize(
    ("span", "message"),
    [
        (Span(0, 3, "X"), "whitespace"),
        (Span(2, 99, "X"), "outside"),
        (Span(3, 3, "X"), "outside"),
        (Span(0, 1, ""), "label"),
    ],
)
def test_spans_that_cannot_be_tokens_are_rejected(span, message):
    with pytest.raises(SpanError, match=message):
        to_token_spans(" ab cd", [span])
