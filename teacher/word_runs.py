"""Constrained decoding: the strings an entity's text may be, all taken from the document.

Every run of up to `max_words` consecutive tokens that starts and ends on a word
and does not cross a comma, bracket or quote becomes a value of the
entity text's JSON-schema enum (a word's trailing "." is offered too, for "Inc."
and "U.S."). Endpoints that turn schemas into grammars (llama.cpp, vLLM, OpenAI
structured outputs) then cannot produce a string that is not in the document, so
no span is invalid by construction. Long documents get shorter runs, so the enum
(and the grammar built from it) stays small.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\w+(?:[.'’&-]\w+)*|[^\w\s]")
_STOP = set(',;:()[]{}"“”!?')


def substring_candidates(text: str, max_words: int = 6, limit: int = 1500) -> list[str]:
    """Distinct substrings of `text` an entity could be, in document order."""
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    kinds = [_kind(text[s:e]) for s, e in tokens]
    for width in range(max_words, 0, -1):
        found: dict[str, None] = {}  # an ordered set
        for i, (start, _) in enumerate(tokens):
            if kinds[i] != "word":
                continue
            for j in range(i, min(i + width, len(tokens))):
                if kinds[j] == "stop":
                    break
                if kinds[j] != "word":
                    continue
                end = tokens[j][1]
                found[text[start:end]] = None
                if text.startswith(".", end):
                    found[text[start : end + 1]] = None
        if len(found) <= limit or width == 1:
            return list(found)[:limit]
    return []


def _kind(token: str) -> str:
    if any(ch.isalnum() for ch in token):
        return "word"
    # "." is not a stop: "U.S. Army" and "Gen. Smith" cross one; runs are short anyway
    return "stop" if token in _STOP else "joiner"
