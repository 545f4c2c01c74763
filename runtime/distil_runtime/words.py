"""Words as GLiNER reads them, and the windows long texts are read in.

The word pattern is GLiNER's `whitespace` splitter; a window is a run of words
whose sub-word cost fits the encoder beside the label prompt and whose count fits
the model's `max_len`. Windows overlap so an entity cut by one is whole in the next.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

WORD_PATTERN = re.compile(r"\w+(?:[-_]\w+)*|\S")


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    start: int  # character offsets into the text
    end: int


@dataclass(frozen=True, slots=True)
class Window:
    start: int  # character offsets into the document
    end: int


def split_words(text: str) -> list[Word]:
    return [Word(m.group(), m.start(), m.end()) for m in WORD_PATTERN.finditer(text)]


def windows(
    words: Sequence[Word], word_costs: Sequence[int], budget: int, max_words: int, overlap: int
) -> list[Window]:
    """Word windows whose sub-word cost fits `budget` and word count fits `max_words`."""
    result, first = [], 0
    while first < len(words):
        last, cost = first, 0
        while last < len(words) and last - first < max_words and cost + word_costs[last] <= budget:
            cost += word_costs[last]
            last += 1
        last = max(last, first + 1)  # a single word over budget still gets its own window
        result.append(Window(words[first].start, words[last - 1].end))
        if last >= len(words):
            break
        first = max(first + 1, last - overlap)
    return result
