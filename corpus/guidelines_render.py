"""Render parsed guidelines for people (Argilla's dataset guidelines, model cards)
and for LLMs (the teacher's prompt prefix). Both come from the same parsed text,
so annotators and the teacher always read the same rules."""

from __future__ import annotations

from typing import Literal

from corpus.guideline_model import Example, Guidelines
from corpus.markup_syntax import ENTITY, NEGATIVE, parse_markup


def _human(text: str) -> str:
    """Markup to readable markdown: entities bold with their label, non-entities struck."""
    text = ENTITY.sub(lambda m: f"**{m.group(1)}** _({m.group(2)})_", text)
    return NEGATIVE.sub(lambda m: f"~~{m.group(1)}~~", text)


def _plain(text: str) -> str:
    """Markup to plain text the LLM reads: Paris [LOC]."""
    text = ENTITY.sub(lambda m: f"{m.group(1)} [{m.group(2)}]", text)
    return NEGATIVE.sub(lambda m: m.group(1), text).replace("**", "")


def render_markdown(guidelines: Guidelines) -> str:
    """The guidelines as annotators read them (Argilla renders this markdown)."""
    out = [f"# {guidelines.title}", ""]
    if guidelines.description:
        out += [guidelines.description, ""]
    out += [
        f"Labels: {', '.join(f'**{name}**' for name in guidelines.label_names)}",
        "",
    ]
    out += [
        "**bold** _(LABEL)_ marks an entity in an example; ~~struck~~ text must not get the label.",
        "",
    ]
    for section in guidelines.general:
        out += [f"## {section.title}", "", _human(section.body), ""]
    for label in guidelines.labels:
        out += [f"## {label.name} — {label.title}", "", label.definition, ""]
        if label.rules:
            out += ["**Rules**", "", *(f"- {_human(rule)}" for rule in label.rules), ""]
        if label.examples:
            out += [
                "**Examples**",
                "",
                *(f"- {_example_markdown(e)}" for e in label.examples),
                "",
            ]
        if label.counter_examples:
            out += [
                f"**Not {label.name}**",
                "",
                *(f"- {_example_markdown(e)}" for e in label.counter_examples),
                "",
            ]
        if label.edge_cases:
            out += [
                "**Edge cases**",
                "",
                *(f"- {_human(case)}" for case in label.edge_cases),
                "",
            ]
    out.append(f"_Guidelines `{guidelines.name}`, version {guidelines.version}._")
    return "\n".join(out).strip() + "\n"


def _example_markdown(example: Example) -> str:
    marked = _mark(
        example,
        lambda value, label: f"**{value}** _({label})_",
        lambda value: f"~~{value}~~",
    )
    return f"{marked} — {example.note}" if example.note else marked


def _mark(example: Example, entity, negative) -> str:
    pieces, position = [], 0
    marks = sorted(
        [(s, False) for s in example.spans] + [(s, True) for s in example.negatives],
        key=lambda m: m[0].start,
    )
    for span, is_negative in marks:
        pieces.append(example.text[position : span.start])
        value = example.text[span.start : span.end]
        pieces.append(negative(value) if is_negative else entity(value, span.label))
        position = span.end
    pieces.append(example.text[position:])
    return "".join(pieces)


def render_text(guidelines: Guidelines, style: Literal["full", "brief"] = "full") -> str:
    """The guidelines as the teacher reads them.

    "full": definitions, rules, examples, counter-examples, edge cases.
    "brief": one line per label (its definition's first sentence), for comparison.
    The text depends only on the guidelines, so it is a stable prompt prefix.
    """
    out = [f"Annotation guidelines: {guidelines.title}"]
    if guidelines.description:
        out.append(guidelines.description)
    out.append("")
    if style == "brief":
        out.append("Labels:")
        out += [f"- {label.name}: {label.summary}" for label in guidelines.labels]
        return "\n".join(out).strip() + "\n"
    for section in guidelines.general:
        out += [f"{section.title}:", _plain(section.body), ""]
    for label in guidelines.labels:
        out += [f"Label {label.name} ({label.title}): {label.definition}"]
        out += [f"- Rule: {_plain(rule)}" for rule in label.rules]
        for example in label.examples:
            entities = (
                "; ".join(f'"{example.text[s.start : s.end]}" = {s.label}' for s in example.spans) or "none"
            )
            out.append(f'- Example: "{example.text}" -> {entities}')
        for example in label.counter_examples:
            strings = ", ".join(f'"{example.text[s.start : s.end]}"' for s in example.negatives)
            why = f" ({example.note})" if example.note else ""
            out.append(f'- Not {label.name}: {strings} in "{example.text}"{why}')
        out += [f"- Edge case: {_plain(case)}" for case in label.edge_cases]
        out.append("")
    return "\n".join(out).strip() + "\n"


__all__ = ["parse_markup", "render_markdown", "render_text"]
