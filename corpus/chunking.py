"""Cut long text into pieces that keep their original offsets, so nothing is ever
silently dropped and spans found in a piece map straight back to the document."""

from __future__ import annotations

import re
from dataclasses import dataclass

# preferred cut points, best first: paragraph break, line break, sentence end, any space
_BOUNDARIES = [
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"(?<=[.!?;])\s"),
    re.compile(r"\s"),
]


@dataclass(frozen=True, slots=True)
class Chunk:
    start: int
    end: int
    text: str


def chunk_text(text: str, max_chars: int, overlap_chars: int = 0) -> list[Chunk]:
    """Pieces of at most `max_chars` characters covering all of `text`.

    Cuts at the best boundary in the second half of a window (paragraph, line,
    sentence, space; mid-word only when a window has no space at all). With
    `overlap_chars`, each piece starts up to that many characters before the
    previous one ended (at a space), so an entity cut by a boundary is whole
    in one of them.
    """
    if max_chars <= 0:
        raise ValueError("max_chars must be positive")
    if overlap_chars >= max_chars // 2:
        raise ValueError("overlap_chars must be less than half of max_chars")
    if len(text) <= max_chars:
        return [Chunk(0, len(text), text)]
    chunks: list[Chunk] = []
    start = 0
    while start < len(text):
        end = min(start + max_chars, len(text))
        if end < len(text):
            end = _cut(text, start + max_chars // 2, end)
        chunks.append(Chunk(start, end, text[start:end]))
        if end >= len(text):
            break
        next_start = end
        if overlap_chars:
            space = text.rfind(" ", end - overlap_chars, end)
            next_start = space + 1 if space > start else end
        start = next_start
    return chunks


def _cut(text: str, low: int, high: int) -> int:
    for boundary in _BOUNDARIES:
        last = None
        for match in boundary.finditer(text, low, high):
            last = match
        if last is not None:
            return last.end()
    return high
