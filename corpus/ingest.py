"""Corpora into the store: raw text into the pool, human-labelled sets into a split.

Writes go in batches, each its own transaction: a crash loses at most the
batch in flight, and a re-run skips what is already stored (documents are
keyed by content hash).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Literal

from corpus.conll import Scheme, read_conll
from corpus.errors import InputError
from corpus.jsonspans import read_span_json
from corpus.markup import read_markup
from corpus.model import Annotator, AnnotatorKind, Document, LabelledDocument, Split
from corpus.raw import DEFAULT_MAX_CHARS, Rejected, Unit, read_raw
from corpus.store import AddReport, Store

BATCH = 1000
LabelledFormat = Literal[
    "auto", "conll", "jsonl", "markup", "hf", "gliner", "label-studio", "argilla", "spacy"
]
Progress = Callable[[int], None]


@dataclass
class IngestReport:
    read: int = 0
    added: int = 0
    duplicates: int = 0
    moved_to_held_out: int = 0
    replaced: int = 0
    entities: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def merge(self, other: IngestReport) -> IngestReport:
        self.read += other.read
        self.entities += other.entities
        self.added += other.added
        self.duplicates += other.duplicates
        self.moved_to_held_out += other.moved_to_held_out
        self.replaced += other.replaced
        self.rejected.extend(other.rejected)
        return self

    def absorb(self, batch: AddReport) -> None:
        self.added += batch.added
        self.duplicates += batch.duplicates
        self.moved_to_held_out += batch.moved_to_held_out
        self.replaced += batch.replaced
        self.rejected.extend(Rejected(f"document {doc_id[:12]}", reason) for doc_id, reason in batch.skipped)


def _batches(items: Iterable, size: int = BATCH) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def ingest_raw(
    store: Store,
    paths: Iterable[str | Path],
    unit: Unit = "line",
    text_field: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    progress: Progress | None = None,
) -> IngestReport:
    report = IngestReport()

    def documents() -> Iterator[Document]:
        for path in paths:
            for item in read_raw(path, unit=unit, text_field=text_field, max_chars=max_chars):
                if isinstance(item, Rejected):
                    report.rejected.append(item)
                else:
                    report.read += 1
                    yield item

    for batch in _batches(documents()):
        report.absorb(store.add_documents(batch))
        if progress:
            progress(len(batch))
    return report


def detect_format(path: Path) -> str:
    """The labelled format a path holds, from what it is (a saved dataset folder, a parquet file,
    GLiNER's JSON) or else its suffix."""
    from corpus.argilla_dataset import looks_like_argilla
    from corpus.gliner_json import looks_like_gliner
    from corpus.hf_dataset import dataset_columns, is_saved_dataset
    from corpus.label_studio import looks_like_label_studio

    suffix = path.suffix.lower()
    if is_saved_dataset(path) or suffix == ".parquet":
        return "argilla" if looks_like_argilla(dataset_columns(path)) else "hf"
    if looks_like_gliner(path):
        return "gliner"
    if looks_like_label_studio(path):
        return "label-studio"
    if suffix == ".spacy":
        return "spacy"
    return "jsonl" if suffix in (".json", ".jsonl") else "markup" if suffix == ".markup" else "conll"


def read_labelled(
    path: str | Path,
    split: Split,
    format: LabelledFormat = "auto",
    scheme: Scheme = "auto",
    unit: Literal["sentence", "document"] = "sentence",
    text_field: str | None = None,
    hf_split: str | None = None,
    argilla: tuple[str | None, str | None] = (None, None),
    skipped: list | None = None,
) -> Iterator[LabelledDocument]:
    """`argilla`: (API URL, key) of the server a dataset name is read from; `skipped` hears
    what a reader left out on purpose (an Argilla record nobody submitted)."""
    path = Path(path)
    if format == "auto":
        format = detect_format(path)
    if format == "argilla":
        from corpus.argilla_dataset import read_argilla

        return iter(read_argilla(path if path.exists() else str(path), split, text_field, *argilla, skipped))
    if format == "hf":
        from corpus.hf_dataset import read_hf

        return iter(read_hf(path if path.exists() else str(path), split, hf_split, scheme, text_field))
    if format == "spacy":
        from corpus.spacy_docbin import read_docbin

        return iter(read_docbin(path, split))
    if format == "gliner":
        from corpus.gliner_json import read_gliner_json

        return iter(read_gliner_json(path, split))
    if format == "label-studio":
        from corpus.label_studio import read_label_studio

        return iter(read_label_studio(path, split, text_field))
    if format == "markup":
        return read_markup(path, split=split)
    if format == "jsonl":
        return read_span_json(path, split=split, text_field=text_field)
    return read_conll(path, scheme=scheme, unit=unit, split=split)


def map_labels(items: list[LabelledDocument], mapping: dict[str, str]) -> list[LabelledDocument]:
    """Spans relabelled by `mapping` (source label -> the guidelines' label); others unchanged, so
    the guidelines check names any label left unmapped."""
    if not mapping:
        return items
    return [
        LabelledDocument(
            item.document,
            tuple(dataclasses.replace(s, label=mapping.get(s.label, s.label)) for s in item.spans),
        )
        for item in items
    ]


def ingest_labelled(
    store: Store,
    path: str | Path,
    split: Split,
    annotator: str | None = None,
    progress: Progress | None = None,
    labels: Collection[str] | None = None,
    replace: bool = False,
    label_map: dict[str, str] | None = None,
    **read_options,
) -> IngestReport:
    """Human-labelled documents into `split` (validation/test are held out; pool
    documents with gold labels may be trained on). The whole file is parsed and
    checked before the first write: a bad file stores nothing.

    With `labels` (the guidelines' labels) a span of any other label, or two spans that
    overlap, is an error with its line. A text already stored with other human labels is an
    error too, unless `replace`: then the new labels win and the old ones are kept in the
    annotation's metadata (`history`)."""
    path = Path(path)
    skipped: list = []
    items = map_labels(list(read_labelled(path, split, skipped=skipped, **read_options)), label_map or {})
    problems = gold_problems(items, labels, path) if labels is not None else []
    if not replace:
        problems += _conflicts(store, items, path)
    if problems:
        raise InputError(problems)
    who = Annotator(AnnotatorKind.HUMAN, annotator or f"gold:{path.name}")
    report = IngestReport(read=len(items), entities=sum(len(item.spans) for item in items), rejected=skipped)
    for batch in _batches(items):
        report.absorb(store.add_labelled(batch, split, who, replace=replace))
        if progress:
            progress(len(batch))
    return report


def gold_problems(items: Iterable[LabelledDocument], labels: Collection[str], path: Path) -> list:
    """(file, line, what) for every span whose label the guidelines do not have, and every
    pair of overlapping spans: the student learns one label per character."""
    allowed = ", ".join(sorted(labels))
    problems = []
    for item in items:
        line = item.document.metadata.get("line", 0)
        record = item.document.metadata.get("record")
        where = f"record {record}: " if record is not None else ""  # JSON lists have one line
        text = item.document.text
        for span in item.spans:
            if span.label not in labels:
                problems.append(
                    (path, line, f"{where}label {span.label!r} is not in the guidelines ({allowed})")
                )
        ordered = sorted(item.spans)
        for first, second in zip(ordered, ordered[1:], strict=False):
            if second.start < first.end:
                overlap = f"{where}spans {_shown(first, text)} and {_shown(second, text)} overlap"
                problems.append((path, line, overlap))
    return problems


def _shown(span, text: str) -> str:
    return f"{text[span.start : span.end]!r} {span.label} [{span.start}, {span.end})"


def _conflicts(store: Store, items: list[LabelledDocument], path: Path) -> list:
    """Texts already stored whose human labels differ from this file's."""
    by_id = {item.document.id: item for item in items}
    stored: dict[str, set] = {}
    for annotation in store.annotations(kind=AnnotatorKind.HUMAN, document_ids=list(by_id)):
        stored.setdefault(annotation.document_id, set()).update(annotation.spans)
    problems = []
    for doc_id, spans in stored.items():
        item = by_id[doc_id]
        if spans != set(item.spans):
            problems.append((
                path, item.document.metadata.get("line", 0),
                f"document {doc_id[:12]} is already stored with other labels ({len(spans)} spans, this "
                f"file has {len(item.spans)}): pass --replace to correct it (the old labels are kept)",
            ))  # fmt: skip
    return problems
