"""GLiNER's training JSON in and out: a list of {"tokenized_text": [...], "ner": [[first, last,
label], ...]} with inclusive token indices, what `gliner`'s training scripts read. Text is the
tokens joined by spaces, as GLiNER itself sees it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from corpus.alignment import to_gliner_example
from corpus.errors import InputError
from corpus.model import Document, LabelledDocument, Span, Split


def looks_like_gliner(path: Path) -> bool:
    """A .json file whose first record has `tokenized_text` (read no further than needed)."""
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    head = path.open(encoding="utf-8", errors="replace").read(2000)
    return head.lstrip().startswith("[") and '"tokenized_text"' in head


def read_gliner_json(path: Path, split: Split) -> list[LabelledDocument]:
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError([(path, 0, f"not GLiNER training JSON ({error})")]) from error
    if not isinstance(records, list):
        raise InputError([(path, 0, "GLiNER training JSON is a list of examples")])
    problems: list = []
    items = [_example(record, index, path, split, problems) for index, record in enumerate(records)]
    if problems:
        raise InputError(problems)
    return [item for item in items if item is not None]


def _example(record, index: int, path: Path, split: Split, problems: list) -> LabelledDocument | None:
    tokens = record.get("tokenized_text") if isinstance(record, dict) else None
    if not isinstance(tokens, list) or not all(isinstance(t, str) and t for t in tokens):
        problems.append((path, index, "example needs tokenized_text, a list of non-empty strings"))
        return None
    starts, offset = [], 0
    for token in tokens:
        starts.append(offset)
        offset += len(token) + 1
    spans = []
    for entity in record.get("ner") or []:
        if not (isinstance(entity, list) and len(entity) == 3 and 0 <= entity[0] <= entity[1] < len(tokens)):
            problems.append(
                (path, index, f"ner entry {entity!r} is not [first, last, label] inside the tokens")
            )
            continue
        first, last, label = entity
        spans.append(Span(starts[first], starts[last] + len(tokens[last]), str(label)))
    metadata = {"file": path.name, "record": index}
    return LabelledDocument(Document(" ".join(tokens), path.name, metadata, split), tuple(spans))


def write_gliner_json(documents: Iterable[LabelledDocument], path: Path, labels: list[str]) -> int:
    """GLiNER examples with `ner_labels` (every label, so absent ones are negatives)."""
    examples = [to_gliner_example(item.document.text, item.spans, labels) for item in documents]
    path.write_text(json.dumps(examples, ensure_ascii=False), encoding="utf-8")
    return len(examples)
