"""Labelled text in the guidelines' own markup: one document per line,
`[text](LABEL)` for entities, `#` lines are comments. The quickest way for a
team to write a small gold set by hand (the demo's validation set is one)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from corpus.errors import InputError
from corpus.markup_syntax import has_stray_markup, parse_markup
from corpus.model import Document, LabelledDocument, Split


def read_markup(
    path: str | Path, split: Split = Split.POOL, source: str | None = None
) -> Iterator[LabelledDocument]:
    path = Path(path)
    problems: list[tuple[Path, int, str]] = []
    items: list[LabelledDocument] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        text, spans, negatives = parse_markup(line.strip())
        if negatives or has_stray_markup(line):  # {braces} mean nothing in a gold set
            problems.append((path, number, "unbalanced markup: write entities as [text](LABEL)"))
            continue
        try:
            for span in spans:
                span.check(text)
        except ValueError as error:
            problems.append((path, number, str(error)))
            continue
        metadata = {"file": source or path.name, "line": number}
        items.append(LabelledDocument(Document(text, source or path.name, metadata, split), tuple(spans)))
    if problems:
        raise InputError(problems)
    yield from items
