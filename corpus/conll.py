"""CoNLL column files (token ... tag per line) -> labelled documents.

Handles BIO (IOB2), IOB1 (I- starts an entity unless it follows the same
type: wikigold) and IOBES/BILOU, tab- or space-separated columns, blank lines
between sentences and `-DOCSTART-` between documents. Text is rebuilt by
joining tokens with single spaces; span offsets come from that token map.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from corpus.errors import InputError
from corpus.model import Document, LabelledDocument, Span, Split

Scheme = Literal["auto", "bio", "iob1", "iobes"]
Unit = Literal["sentence", "document"]


@dataclass(slots=True)
class _Row:
    token: str
    tag: str
    line: int


def read_conll(
    path: str | Path,
    scheme: Scheme = "auto",
    unit: Unit = "sentence",
    split: Split = Split.POOL,
    source: str | None = None,
) -> Iterator[LabelledDocument]:
    """Yield one labelled document per sentence (or per `-DOCSTART-` document).

    Raises InputError naming the file and line of every malformed row before
    yielding anything, so a bad file never half-imports.
    """
    path = Path(path)
    sentences, problems = _sentences(path)
    if problems:
        raise InputError(problems)
    if scheme == "auto":
        scheme = detect_scheme(row.tag for doc in sentences for sentence in doc for row in sentence)
    problems = []
    decoded = [
        [(sentence, _decode(sentence, scheme, path, problems)) for sentence in doc] for doc in sentences
    ]
    if problems:
        raise InputError(problems)
    name = source or path.name
    for doc_index, doc in enumerate(decoded):
        groups = [[item] for item in doc] if unit == "sentence" else [doc] if doc else []
        for group in groups:
            yield _document(group, name, doc_index, split)


def _sentences(
    path: Path,
) -> tuple[list[list[list[_Row]]], list[tuple[Path, int, str]]]:
    """documents -> sentences -> rows, and the problems found."""
    problems: list[tuple[Path, int, str]] = []
    documents: list[list[list[_Row]]] = [[]]
    sentence: list[_Row] = []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raw = path.read_bytes()
        raise InputError([(path, raw[: error.start].count(b"\n") + 1, "not valid UTF-8")]) from None

    def close_sentence() -> None:
        nonlocal sentence
        if sentence:
            documents[-1].append(sentence)
            sentence = []

    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            close_sentence()
            continue
        columns = line.split("\t") if "\t" in line else line.split()
        token, tag = columns[0].strip(), columns[-1].strip()
        if token == "-DOCSTART-":
            close_sentence()
            if documents[-1]:
                documents.append([])
            continue
        if len(columns) < 2 or not token:
            problems.append((path, number, f"expected 'TOKEN<sep>TAG', got {line!r}"))
            continue
        if tag != "O" and (len(tag) < 3 or tag[1] != "-" or tag[0] not in "BIESLU"):
            problems.append(
                (
                    path,
                    number,
                    f"tag {tag!r} is neither O nor PREFIX-TYPE (B-, I-, E-, S-)",
                )
            )
            continue
        sentence.append(_Row(token, tag, number))
    close_sentence()
    return [doc for doc in documents if doc], problems


def detect_scheme(tags) -> Scheme:
    """IOBES if any E-/S-/L-/U- tag; IOB1 if entities mostly start with I-; else BIO."""
    previous, starts_with_b, starts_with_i = "O", 0, 0
    for tag in tags:
        if tag[:2] in ("E-", "S-", "L-", "U-"):
            return "iobes"
        if tag.startswith("B-"):
            starts_with_b += 1
        elif tag.startswith("I-") and previous[2:] != tag[2:]:
            starts_with_i += 1
        previous = tag
    return "iob1" if starts_with_i > starts_with_b else "bio"


def _decode(rows: list[_Row], scheme: Scheme, path: Path, problems) -> list[tuple[int, int, str]]:
    """Token-index entities [first, last] inclusive, with their type."""
    entities: list[tuple[int, int, str]] = []
    open_start, open_type = None, None

    def close(last: int) -> None:
        nonlocal open_start, open_type
        if open_start is not None:
            entities.append((open_start, last, open_type))
        open_start, open_type = None, None

    for i, row in enumerate(rows):
        prefix, kind = (row.tag, None) if row.tag == "O" else (row.tag[0], row.tag[2:])
        if prefix == "O":
            close(i - 1)
        elif scheme == "iobes" and prefix in "SU":
            close(i - 1)
            entities.append((i, i, kind))
        elif prefix == "B":
            close(i - 1)
            open_start, open_type = i, kind
        elif prefix == "I" or (scheme == "iobes" and prefix in "EL"):
            if open_type != kind:  # an I- that starts an entity: IOB1's rule, lenient BIO
                close(i - 1)
                open_start, open_type = i, kind
            if scheme == "iobes" and prefix in "EL":
                close(i)
        else:
            problems.append(
                (
                    path,
                    row.line,
                    f"tag {row.tag!r} is not valid in the {scheme.upper()} scheme",
                )
            )
    close(len(rows) - 1)
    return entities


def _document(group, source: str, doc_index: int, split: Split) -> LabelledDocument:
    pieces: list[str] = []
    spans: list[Span] = []
    offset = 0
    for sentence_index, (rows, entities) in enumerate(group):
        if sentence_index:
            pieces.append("\n")
            offset += 1
        starts, ends = [], []
        for i, row in enumerate(rows):
            if i:
                pieces.append(" ")
                offset += 1
            starts.append(offset)
            pieces.append(row.token)
            offset += len(row.token)
            ends.append(offset)
        spans.extend(Span(starts[first], ends[last], kind) for first, last, kind in entities)
    text = "".join(pieces)
    first_line = group[0][0][0].line
    metadata = {"file": source, "line": first_line, "doc_index": doc_index}
    return LabelledDocument(Document(text, source, metadata, split), tuple(spans))


def tagged_document(
    tokens: list[str], tags: list[str], scheme: Scheme, split: Split, metadata: dict, where, problems
) -> LabelledDocument:
    """A document from one row of tokens and their tags (a datasets row, a GLiNER example): text
    rebuilt by joining tokens with spaces, as CoNLL files are read. `where` is (path, line)."""
    path, line = where
    rows = [_Row(token, tag, line) for token, tag in zip(tokens, tags, strict=True)]
    document = _document([(rows, _decode(rows, scheme, path, problems))], str(path), 0, split)
    return LabelledDocument(
        Document(document.document.text, document.document.source, metadata, split), document.spans
    )


def bio_tags(text: str, spans) -> tuple[list[str], list[str]]:
    """Tokens and their BIO tags, for CoNLL files and `tokens` + `ner_tags` datasets. Tokens are
    the text's whitespace-separated pieces, cut where a span starts or ends inside one, so a text
    read from CoNLL (tokens joined by spaces) comes back token for token."""
    pieces, tags = _tagged_pieces(text, spans)
    return [text[a:b] for a, b in pieces], tags


def _tagged_pieces(text: str, spans) -> tuple[list[tuple[int, int]], list[str]]:
    cuts = sorted({offset for span in spans for offset in (span.start, span.end)})
    pieces: list[tuple[int, int]] = []
    for match in re.finditer(r"\S+", text):
        start = match.start()
        for cut in (c for c in cuts if match.start() < c < match.end()):
            pieces.append((start, cut))
            start = cut
        pieces.append((start, match.end()))
    first = {start: i for i, (start, _) in enumerate(pieces)}
    last = {end: i for i, (_, end) in enumerate(pieces)}
    tags = ["O"] * len(pieces)
    for span in spans:
        begin, end = first[span.start], last[span.end]  # trimmed spans fall on piece edges
        tags[begin : end + 1] = [f"B-{span.label}"] + [f"I-{span.label}"] * (end - begin)
    return pieces, tags


def write_conll(documents, path: Path) -> int:
    """BIO CoNLL (token TAB tag): `-DOCSTART-` before each document, a blank line after each
    sentence (a line break in the text, unless inside an entity), so documents and sentences
    read back as they were.
    Returns documents written."""
    lines, count = [], 0
    for item in documents:
        text = item.document.text
        pieces, tags = _tagged_pieces(text, item.spans)
        lines += ["-DOCSTART-\tO", ""]
        for index, ((start, end), tag) in enumerate(zip(pieces, tags, strict=True)):
            if index and "\n" in text[pieces[index - 1][1] : start] and not tag.startswith("I-"):
                lines.append("")
            lines.append(f"{text[start:end]}\t{tag}")
        lines.append("")
        count += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return count
