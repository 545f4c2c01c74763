"""The teacher's prompts: guidelines first (a stable system prefix the server can
reuse across documents and across the extraction and verification calls), then
what changes per call: retrieved examples as earlier turns of the conversation
(the example's text asked as a user turn, its entities answered as the assistant
would answer), the label asked about, the document, the candidates to verify.
PROMPT_VERSION is part of the cache key: change it whenever the wording below
changes; SHOTS_VERSION is in the key of few-shot runs only."""

from __future__ import annotations

import json
from collections.abc import Sequence

from corpus.guideline_model import Guidelines
from corpus.guidelines_render import render_text

PROMPT_VERSION = "p1"
# "turns": each example is a user turn and the assistant's JSON answer. Before it, the examples
# sat inline above the document, and small models copied the examples' entities into their answer.
SHOTS_VERSION = "turns"

INSTRUCTIONS = """You are an expert annotator. Find every named entity in the user's text that the \
guidelines above define, and only those.
Return each entity with:
- text: copied exactly, character for character, from the text (no added or removed words);
- label: one of {labels};
- occurrence: which appearance of that exact string it is (1 = first, 2 = second, ...).
Return an empty list when there is no entity."""

LABEL_FOCUS = "Find only {label} entities ({summary}); ignore every other kind."
VERIFY = """A first pass found the entities below in this text. Check each one against the guidelines: \
is it really a named entity, with exactly these words, of exactly this label?
{candidates}
Answer `correct` with one true or false per numbered entity, in order."""


def system_prompt(guidelines: Guidelines, style: str = "full") -> str:
    labels = ", ".join(guidelines.label_names)
    return f"{render_text(guidelines, style)}\n{INSTRUCTIONS.format(labels=labels)}"


def shot_answer(text: str, entities: Sequence[tuple[str, str]], occurrence: bool = True) -> str:
    """An example's entities (in text order) as the JSON the response model asks for; `occurrence`
    numbers repeated strings as the unconstrained schema does (the constrained one has no such field)."""
    answer, cursor = [], 0
    for value, label in entities:
        entity = {"text": value, "label": label}
        if occurrence:
            at = text.find(value, cursor)
            at = at if at >= 0 else text.find(value)  # out of order: the first appearance
            entity["occurrence"] = text.count(value, 0, max(at, 0)) + 1
            cursor = max(at, 0) + len(value)
        answer.append(entity)
    return json.dumps({"entities": answer}, ensure_ascii=False)


def ask(text: str, focus: str | None = None) -> str:
    return f"{focus}\n\nText:\n{text}" if focus else f"Text:\n{text}"


def messages(
    system: str, text: str, shots: Sequence[tuple[str, str]] = (), focus: str | None = None
) -> list[dict[str, str]]:
    """`shots`: (example text, its answer from `shot_answer`), asked and answered before the document."""
    turns = [{"role": "system", "content": system}]
    for shot_text, answer in shots:
        turns.append({"role": "user", "content": ask(shot_text, focus)})
        turns.append({"role": "assistant", "content": answer})
    return [*turns, {"role": "user", "content": ask(text, focus)}]


def verify_messages(system: str, text: str, candidates: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    numbered = "\n".join(f'{i}. "{value}" as {label}' for i, (value, label) in enumerate(candidates, 1))
    user = f"Text:\n{text}\n\n{VERIFY.format(candidates=numbered)}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
