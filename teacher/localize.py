"""Entities as (text, label, occurrence) -> character spans in the document.

A span is dropped, with its reason counted, when its text is not in the
document or its label is not a guidelines label. Matches on word boundaries
win ("Paris" is not found inside "Parisian" when a standalone "Paris" exists).
Entities without an occurrence (constrained decoding asks for none), or with
one the text does not have (small models number their list instead), are
placed in listing order: the second "Paris" listed is the second "Paris" in the
text; one listed more often than the text has it is a repeat, counted once.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from corpus.model import Span, trim_span

NOT_IN_TEXT = "text not in document"
UNKNOWN_LABEL = "unknown label"
EMPTY = "empty text"


@dataclass
class Localized:
    spans: list[Span] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)  # reason -> count
    located: list[tuple[object, Span | None]] = field(default_factory=list)  # each entity and where it landed

    @property
    def invalid(self) -> int:
        return sum(self.dropped.values())


def occurrences(text: str, value: str) -> list[int]:
    """Start offsets of `value` in `text`, whole-word matches first if there are any."""
    starts = [m.start() for m in re.finditer(re.escape(value), text)]
    whole = [s for s in starts if _boundary(text, s - 1) and _boundary(text, s + len(value))]
    return whole or starts


def _boundary(text: str, index: int) -> bool:
    return index < 0 or index >= len(text) or not text[index].isalnum()


def localize(text: str, entities, labels: tuple[str, ...]) -> Localized:
    result = Localized()
    seen: set[Span] = set()
    listed: Counter = Counter()  # text -> times listed so far, for entities without an occurrence
    for entity in entities:
        span, reason = _locate(text, entity, labels, listed)
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
