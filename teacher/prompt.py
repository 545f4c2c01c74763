"""The teacher's prompt: guidelines first (a stable prefix the server can reuse
across documents), then the document. PROMPT_VERSION is part of the cache key:
change it whenever the wording below changes."""

from __future__ import annotations

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


def system_prompt(guidelines: Guidelines, style: str = "full") -> str:
    labels = ", ".join(guidelines.label_names)
    return f"{render_text(guidelines, style)}\n{INSTRUCTIONS.format(labels=labels)}"


def messages(system: str, text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": system}, {"role": "user", "content": f"Text:\n{text}"}]
