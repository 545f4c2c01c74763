"""Entities as (text, label, occurrence) -> character spans in the document.

A span is dropped, with its reason counted, when its text is not in the
document or its label is not a guidelines label. Matches on word boundaries
win ("Paris" is not found inside "Parisian" when a standalone "Paris" exists).
Entities without an occurrence (constrained decoding asks for none), or with
one the text does not have (small models number their list instead), are
placed in listing order: the second "Paris" listed is the second "Paris" in the
text; one listed more often than the text has it is a repeat, counted once.

With `names_only` (guidelines whose entities are capitalised names) a span is
trimmed to its first and last word that can bound a name, and dropped when
nothing is left or only a date or number remains: small models' errors are
mostly lowercase phrases ("the engineer", "most of the tracks") and dates.
Such drops are counted apart from the invalid ones: the text was there.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from corpus.model import Span, trim_span

NOT_IN_TEXT = "text not in document"
UNKNOWN_LABEL = "unknown label"
EMPTY = "empty text"
NOT_A_NAME = "not a name (names_only)"  # a filter, not an invalid answer

_MONTHS_AND_DAYS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
_ARTICLES = frozenset({"The", "A", "An"})  # capitalised: "the Danube" leaves its article out
# words capitalised only because they open a sentence
_FUNCTION_WORDS = frozenset(
    "the a an this that these those it its he she they we i you his her their our my there "
    "in on at of for to from by with and or but as if when while after before during since".split()
)


def invalid_count(dropped: Counter) -> int:
    """Drops that were the model's mistakes (text not there, unknown label), not filtered names."""
    return sum(n for reason, n in dropped.items() if reason != NOT_A_NAME)


@dataclass
class Localized:
    spans: list[Span] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)  # reason -> count
    located: list[tuple[object, Span | None]] = field(default_factory=list)  # each entity and where it landed

    @property
    def invalid(self) -> int:
        return invalid_count(self.dropped)


def occurrences(text: str, value: str) -> list[int]:
    """Start offsets of `value` in `text`, whole-word matches first if there are any."""
    starts = [m.start() for m in re.finditer(re.escape(value), text)]
    whole = [s for s in starts if _boundary(text, s - 1) and _boundary(text, s + len(value))]
    return whole or starts


def _boundary(text: str, index: int) -> bool:
    return index < 0 or index >= len(text) or not text[index].isalnum()


def name_bounds(text: str, start: int, end: int) -> tuple[int, int] | None:
    """[start, end) trimmed to the words that can begin and end a capitalised name (a capital, or
    digits with letters as in "139th"), a trailing possessive cut off; None when no such word is
    left or the rest is only a date or a number. A capitalised function word ("The", "In": the
    first word of a sentence) bounds nothing, but an article right before a name stays ("The Hague")."""
    matches = list(re.finditer(r"\S+", text[start:end]))
    words, offsets = [m.group() for m in matches], [m.start() + start for m in matches]
    strong = [_can_bound_a_name(w) and w.lower() not in _FUNCTION_WORDS for w in words]
    bounding = [
        i
        for i, word in enumerate(words)
        if strong[i] or (word in _ARTICLES and i + 1 < len(words) and strong[i + 1])
    ]
    if not bounding:
        return None
    first, last = offsets[bounding[0]], offsets[bounding[-1]] + len(words[bounding[-1]])
    if text[first:last].endswith(("'s", "’s")) and last - first > 2:
        last -= 2
    kept = [w.lower().strip(".,;:") for w in words[bounding[0] : bounding[-1] + 1]]
    if all(w in _MONTHS_AND_DAYS or not any(c.isalpha() for c in w) for w in kept):
        return None
    return first, last


def _can_bound_a_name(word: str) -> bool:
    return any(c.isupper() for c in word) or (
        any(c.isdigit() for c in word) and any(c.isalpha() for c in word)
    )


def localize(text: str, entities, labels: tuple[str, ...], names_only: bool = False) -> Localized:
    result = Localized()
    seen: set[Span] = set()
    listed: Counter = Counter()  # text -> times listed so far, for entities without an occurrence
    for entity in entities:
        span, reason = _locate(text, entity, labels, listed)
        if span is not None and names_only:
            bounds = name_bounds(text, span.start, span.end)
            span, reason = (Span(*bounds, span.label), "") if bounds else (None, NOT_A_NAME)
        result.located.append((entity, span))
        if span is None:
            result.dropped[reason] += 1
        elif span not in seen:  # the same entity listed twice counts once
            seen.add(span)
            result.spans.append(span)
    result.spans.sort()
    return result


def _locate(text: str, entity, labels: tuple[str, ...], listed: Counter) -> tuple[Span | None, str]:
    value = entity.text.strip().strip("\"'“”‘’")
    if not value.strip():
        return None, EMPTY
    if entity.label not in labels:
        return None, UNKNOWN_LABEL
    starts = occurrences(text, value)
    if not starts:
        return None, NOT_IN_TEXT
    occurrence = getattr(entity, "occurrence", None)
    if occurrence is None or not 0 < occurrence <= len(starts):
        # none asked for, or one the text does not have: small models often number the
        # entities of their list instead of the text's repeats, so the text decides
        listed[value] += 1
        index = min(listed[value], len(starts)) - 1
    else:
        index = occurrence - 1
    start, end = trim_span(text, starts[index], starts[index] + len(value))
    return Span(start, end, entity.label), ""
