"""The teacher's prompts: guidelines first (a stable system prefix the server can
reuse across documents and across the extraction and verification calls), then
what changes per call in the user message: retrieved examples, the label asked
about, the document, the candidates to verify. PROMPT_VERSION is part of the
cache key: change it whenever the wording below changes."""

from __future__ import annotations

from collections.abc import Sequence

from corpus.guidelines import Guidelines
from corpus.guidelines_render import render_text

PROMPT_VERSION = "p1"

INSTRUCTIONS = """You are an expert annotator. Find every named entity in the user's text that the \
guidelines above define, and only those.
Return each entity with:
- text: copied exactly, character for character, from the text (no added or removed words);
- label: one of {labels};
- occurrence: which appearance of that exact string it is (1 = first, 2 = second, ...).
Return an empty list when there is no entity."""

SHOTS_HEADER = "Annotated texts similar to the one below, for reference:"
LABEL_FOCUS = "Find only {label} entities ({summary}); ignore every other kind."
VERIFY = """A first pass found the entities below in this text. Check each one against the guidelines: \
is it really a named entity, with exactly these words, of exactly this label?
{candidates}
Answer `correct` with one true or false per numbered entity, in order."""


def system_prompt(guidelines: Guidelines, style: str = "full") -> str:
    labels = ", ".join(guidelines.label_names)
    return f"{render_text(guidelines, style)}\n{INSTRUCTIONS.format(labels=labels)}"


def render_shot(text: str, entities: Sequence[tuple[str, str]]) -> str:
    """One retrieved example: `Text: "..." -> "Paris" = LOC; ...` (or `-> none`)."""
    found = "; ".join(f'"{value}" = {label}' for value, label in entities) or "none"
    return f'Text: "{text}" -> {found}'


def messages(
    system: str, text: str, shots: Sequence[str] = (), focus: str | None = None
) -> list[dict[str, str]]:
    parts = []
    if shots:
        parts.append("\n".join([SHOTS_HEADER, *shots]))
    if focus:
        parts.append(focus)
    parts.append(f"Text:\n{text}")
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n\n".join(parts)}]


def verify_messages(system: str, text: str, candidates: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    numbered = "\n".join(f'{i}. "{value}" as {label}' for i, (value, label) in enumerate(candidates, 1))
    user = f"Text:\n{text}\n\n{VERIFY.format(candidates=numbered)}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
