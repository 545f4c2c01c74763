"""Raw text in: .txt (a document per line or per file), .jsonl, .csv, .parquet,
and Hugging Face `datasets` saved to disk.

Readers never stop at a bad item: empty, binary or undecodable input is
reported as a Rejected item with its location and reason, and reading goes
on. Documents longer than `max_chars` are cut into parts that keep their
offset into the original (metadata `part_of`, `offset`), so no text is lost.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from corpus.chunking import chunk_text
from corpus.model import Document, document_id

Unit = Literal["line", "file"]
DEFAULT_MAX_CHARS = 100_000
TEXT_FIELDS = ("text", "content", "full_text", "sentence", "body")


@dataclass(frozen=True, slots=True)
class Rejected:
    location: str  # "file:line", "file:row N" or "file"
    reason: str


def read_raw(
    path: str | Path,
    unit: Unit = "line",
    text_field: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> Iterator[Document | Rejected]:
    """Documents (and rejections) from a file or a folder of files."""
    path = Path(path)
    if not path.exists():
        yield Rejected(str(path), "no such file or folder")
        return
    if path.is_dir():
        if any(
            (path / marker).exists() for marker in ("dataset_info.json", "state.json", "dataset_dict.json")
        ):
            items = _hf_dataset(path, text_field)
        else:
            items = (
                item
                for child in sorted(path.rglob("*"))
                if child.is_file()
                for item in _file(child, unit, text_field)
            )
    else:
        items = _file(path, unit, text_field)
    for item in items:
        if isinstance(item, Rejected):
            yield item
        else:
            yield from _split_long(item, max_chars)


def _file(path: Path, unit: Unit, text_field: str | None) -> Iterator[Document | Rejected]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        yield from _jsonl(path, text_field)
    elif suffix in (".csv", ".tsv"):
        yield from _csv(path, text_field, "\t" if suffix == ".tsv" else ",")
    elif suffix == ".parquet":
        yield from _parquet(path, text_field)
    elif unit == "file":
        yield _checked(path.read_bytes(), str(path), {"file": str(path)})
    else:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                raw = raw.rstrip(b"\r\n")
                if not raw.strip():
                    continue  # blank lines separate nothing in line mode: not worth a rejection each
                yield _checked(raw, f"{path}:{number}", {"file": str(path), "line": number})


def _checked(raw: bytes, location: str, metadata: dict) -> Document | Rejected:
    if b"\x00" in raw:
        return Rejected(location, "binary content (NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return Rejected(
            location,
            f"not valid UTF-8 (byte {error.start}: {raw[error.start : error.start + 1]!r})",
        )
    return _text_document(text, location, metadata)


def _text_document(text, location: str, metadata: dict) -> Document | Rejected:
    if not isinstance(text, str):
        return Rejected(location, f"text is {type(text).__name__}, not a string")
    if not text.strip():
        return Rejected(location, "empty text")
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r")
    if controls > max(3, len(text) // 100):
        return Rejected(location, f"looks binary ({controls} control characters)")
    return Document(text, source=metadata.get("file", location), metadata=metadata)


def _text_key(record: dict, text_field: str | None, location: str) -> str | Rejected:
    key = text_field or next((k for k in TEXT_FIELDS if k in record), None)
    if key is None or key not in record:
        wanted = text_field or " or ".join(TEXT_FIELDS)
        return Rejected(location, f"no {wanted} field")
    return key


def _record_document(
    record: dict, text_field: str | None, location: str, metadata: dict
) -> Document | Rejected:
    """A document from a record's text field; its other plain fields become metadata."""
    key = _text_key(record, text_field, location)
    if isinstance(key, Rejected):
        return key
    extra = {
        k: v for k, v in record.items() if k != key and isinstance(v, (str, int, float, bool, type(None)))
    }
    return _text_document(record[key], location, {**extra, **metadata})


def _jsonl(path: Path, text_field: str | None) -> Iterator[Document | Rejected]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            location = f"{path}:{number}"
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                yield Rejected(location, "not valid UTF-8")
                continue
            except json.JSONDecodeError as error:
                yield Rejected(location, f"invalid JSON: {error.msg}")
                continue
            if not isinstance(record, dict):
                yield Rejected(location, "expected a JSON object per line")
                continue
            yield _record_document(record, text_field, location, {"file": str(path), "line": number})


def _csv(path: Path, text_field: str | None, delimiter: str) -> Iterator[Document | Rejected]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = csv.DictReader(handle, delimiter=delimiter)
            for index, record in enumerate(rows, start=1):
                # rows can span lines (quoted newlines): csv tells the line where a row ends
                location = f"{path}:{rows.line_num}"
                metadata = {"file": str(path), "line": rows.line_num, "row": index}
                fields = {k: v for k, v in record.items() if k is not None}
                yield _record_document(fields, text_field, location, metadata)
    except UnicodeDecodeError as error:
        yield Rejected(
            str(path),
            f"not valid UTF-8 (byte {error.start}): rows after this point were not read",
        )


def _parquet(path: Path, text_field: str | None) -> Iterator[Document | Rejected]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    for index, record in enumerate(table.to_pylist()):
        location = f"{path}:row {index}"
        yield _record_document(record, text_field, location, {"file": str(path), "row": index})


def _hf_dataset(path: Path, text_field: str | None) -> Iterator[Document | Rejected]:
    from datasets import DatasetDict, load_from_disk

    loaded = load_from_disk(str(path))
    splits = loaded.items() if isinstance(loaded, DatasetDict) else [("", loaded)]
    for split_name, dataset in splits:
        for index, record in enumerate(dataset):
            location = f"{path}:{split_name + ':' if split_name else ''}row {index}"
            metadata = {
                "file": str(path),
                "row": index,
                **({"split": split_name} if split_name else {}),
            }
            yield _record_document(record, text_field, location, metadata)


def _split_long(doc: Document, max_chars: int) -> Iterator[Document]:
    if len(doc.text) <= max_chars:
        yield doc
        return
    parent = document_id(doc.text)
    for chunk in chunk_text(doc.text, max_chars):
        metadata = {**doc.metadata, "part_of": parent, "offset": chunk.start}
        yield Document(chunk.text, doc.source, metadata)
