"""Human-labelled JSONL (or a JSON list) with character spans -> labelled documents.

Field names are detected from common conventions (`text`/`full_text`,
`spans`/`entities`, `start`/`start_position`, `label`/`entity_type`, ...),
or given explicitly. Every bad record is reported with its line (JSONL) or
its index (JSON list), before anything is yielded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from corpus.errors import InputError
from corpus.model import Document, LabelledDocument, Span, Split, trim_span

TEXT_KEYS = ("text", "full_text", "content", "sentence")
SPANS_KEYS = ("spans", "entities", "ents", "ner", "labels", "label")  # "ents": spaCy; "label": doccano
START_KEYS = ("start", "start_position", "start_offset", "begin")
END_KEYS = ("end", "end_position", "end_offset")
LABEL_KEYS = ("label", "entity_type", "type", "tag")
VALUE_KEYS = ("text", "entity_value", "value")


def _pick(record: dict, explicit: str | None, candidates: tuple[str, ...]) -> str | None:
    if explicit:
        return explicit if explicit in record else None
    return next((key for key in candidates if key in record), None)


def read_span_json(
    path: str | Path,
    split: Split = Split.POOL,
    text_field: str | None = None,
    spans_field: str | None = None,
    source: str | None = None,
) -> Iterator[LabelledDocument]:
    path = Path(path)
    records, problems = _records(path)
    documents: list[LabelledDocument] = []
    for line, where, record in records:

        def report(message: str, line=line, where=where) -> None:
            problems.append((path, line, f"{where}{message}"))

        item = _labelled(record, line, where, split, text_field, spans_field, source or path.name, report)
        if item is not None:
            documents.append(item)
    if problems:
        raise InputError(problems)
    yield from documents


def _records(path: Path) -> tuple[list[tuple[int, str, object]], list]:
    """(line, location prefix, record) for each record, and the problems found."""
    problems: list[tuple[Path, int, str]] = []
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            [
                (
                    path,
                    path.read_bytes()[: error.start].count(b"\n") + 1,
                    "not valid UTF-8",
                )
            ]
        ) from None
    stripped = content.lstrip()
    if stripped.startswith("["):  # one JSON list; `where` is the record's index
        try:
            data = json.loads(content)
        except json.JSONDecodeError as error:
            raise InputError([(path, error.lineno, f"invalid JSON: {error.msg}")]) from None
        if not isinstance(data, list):
            raise InputError([(path, 1, "expected a JSON list of records or JSON Lines")])
        # a JSON list has no line per record: name the record by its index instead
        return [(1, f"record {i}: ", record) for i, record in enumerate(data)], problems
    records = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, "", json.loads(line)))
        except json.JSONDecodeError as error:
            problems.append((path, number, f"invalid JSON: {error.msg}"))
    return records, problems


def _labelled(
    record, line, where, split, text_field, spans_field, source, problem
) -> LabelledDocument | None:
    if not isinstance(record, dict):
        problem("expected an object with a text and its spans")
        return None
    text_key = _pick(record, text_field, TEXT_KEYS)
    spans_key = _pick(record, spans_field, SPANS_KEYS)
    if text_key is None or not isinstance(record[text_key], str):
        problem(f"no text field (looked for {text_field or ', '.join(TEXT_KEYS)})")
        return None
    text = record[text_key]
    if spans_key is None:  # never 0 entities by default: a gold record without spans is a misread file
        looked = spans_field or ", ".join(SPANS_KEYS)
        problem(f"no spans field (looked for {looked}; the record has {', '.join(sorted(map(str, record)))})")
        return None
    raw_spans = record[spans_key]
    if not isinstance(raw_spans, list):
        problem(f"'{spans_key}' must be a list of spans")
        return None
    spans = []
    for index, raw in enumerate(raw_spans):
        span = _span(raw, text, lambda m, index=index: problem(f"span {index}: {m}"))
        if span is not None:
            spans.append(span)
    metadata = {k: v for k, v in record.items() if k not in (text_key, spans_key) and _jsonable(v)}
    metadata.update(file=source, line=line)
    if where:  # a record of a JSON list: its index says where it is
        metadata["record"] = int(where.split()[1].rstrip(":"))
    return LabelledDocument(Document(text, source, metadata, split), tuple(spans))


def _span(raw, text: str, problem) -> Span | None:
    if isinstance(raw, list) and len(raw) == 3:  # doccano's JSONL: "label": [[start, end, "LABEL"]]
        raw = {"start": raw[0], "end": raw[1], "label": raw[2]}
    if not isinstance(raw, dict):
        problem("expected an object with start, end and label, or [start, end, label]")
        return None
    start_key, end_key, label_key = (_pick(raw, None, keys) for keys in (START_KEYS, END_KEYS, LABEL_KEYS))
    if None in (start_key, end_key, label_key):
        problem(f"needs start, end and label keys, has {sorted(raw)}")
        return None
    start, end, label = raw[start_key], raw[end_key], raw[label_key]
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        problem(f"offsets [{start}, {end}) are not a range inside the text (length {len(text)})")
        return None
    if not isinstance(label, str) or not label:
        problem("label must be a non-empty string")
        return None
    value_key = next((k for k in VALUE_KEYS if k in raw and k not in (label_key,)), None)
    if value_key and isinstance(raw[value_key], str) and raw[value_key] != text[start:end]:
        problem(
            f"its text {raw[value_key]!r} differs from the document's {text[start:end]!r} at [{start}, {end})"
        )
        return None
    start, end = trim_span(text, start, end)
    if start == end:
        problem("covers only whitespace")
        return None
    return Span(start, end, label)


def _jsonable(value) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), list, dict))


def labelled_record(
    record: dict,
    index: int,
    split: Split,
    text_field: str | None,
    spans_field: str | None,
    source: str,
    problem,
) -> LabelledDocument | None:
    """One record (a datasets row, say) with its text and character spans; `problem(message)`
    hears what is wrong with it."""
    return _labelled(record, index, "", split, text_field, spans_field, source, problem)
