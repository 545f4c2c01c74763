"""The guidelines' inline markup: `[text](LABEL)` marks an entity, `{text}` a string that must
not be labelled. Used in examples, counter-examples and `.markup` gold files."""

from __future__ import annotations

import re

from corpus.model import Span

ENTITY = re.compile(r"\[([^\[\]]+)\]\(([^()\s]+)\)")
NEGATIVE = re.compile(r"\{([^{}]+)\}")


def parse_markup(text: str) -> tuple[str, list[Span], list[Span]]:
    """`[Paris](LOC) is {big}` -> ("Paris is big", [Span(0,5,LOC)], [Span(9,12,"")])."""
    plain: list[str] = []
    spans: list[Span] = []
    negatives: list[Span] = []
    position = 0
    pattern = re.compile(f"{ENTITY.pattern}|{NEGATIVE.pattern}")
    for match in pattern.finditer(text):
        plain.append(text[position : match.start()])
        offset = sum(map(len, plain))
        if match.group(1) is not None:
            value, label = match.group(1), match.group(2)
            spans.append(Span(offset, offset + len(value), label))
        else:
            value = match.group(3)
            negatives.append(Span(offset, offset + len(value), "-"))
        plain.append(value)
        position = match.end()
    plain.append(text[position:])
    return "".join(plain), spans, negatives


def has_stray_markup(line: str) -> bool:
    """Brackets or braces left over once every [text](LABEL) and {text} is taken out:
    broken markup that would otherwise silently become plain text."""
    rest = NEGATIVE.sub("", ENTITY.sub("", line))
    return "](" in rest or rest.count("[") != rest.count("]") or rest.count("{") != rest.count("}")


def check_markup(line: str, number: int, declared, problem) -> bool:
    ok = True
    for match in ENTITY.finditer(line):
        if match.group(2) not in declared:
            problem(
                number,
                f"unknown label {match.group(2)!r} in [{match.group(1)}] (labels: {', '.join(declared)})",
            )
            ok = False
    if has_stray_markup(line):
        problem(
            number,
            "unbalanced markup: write entities as [text](LABEL) and non-entities as {text}",
        )
        ok = False
    return ok
