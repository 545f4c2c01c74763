"""Hugging Face `datasets` in and out.

In: a `save_to_disk` folder, parquet/JSON/CSV files, or a hub name; one split of it (asked for,
or the only one); rows of `tokens` + `ner_tags` (ClassLabel names or tag strings, BIO, IOB1 or
IOBES detected) or a text with character spans (the field names `distil ingest` knows for JSONL).
Out: a `DatasetDict` of the project's splits, each row with both forms, character spans and
`tokens` + `ner_tags` (ClassLabel, BIO), so token-classification recipes run on it as is, and a
dataset card (README.md) saying where the labels came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from corpus.conll import Scheme, bio_tags, detect_scheme, tagged_document
from corpus.errors import InputError
from corpus.jsonspans import labelled_record
from corpus.model import LabelledDocument, Split

FILE_BUILDERS = {".parquet": "parquet", ".json": "json", ".jsonl": "json", ".csv": "csv"}


def is_saved_dataset(path: Path) -> bool:
    return path.is_dir() and any(
        (path / name).exists() for name in ("dataset_info.json", "dataset_dict.json")
    )


def dataset_columns(path: Path) -> list[str]:
    """The columns of a saved dataset folder or parquet file (its first split), without its rows."""
    try:
        loaded = _load(path)
    except Exception:  # noqa: BLE001 - unreadable here: the reader says why, with the file
        return []
    first = loaded[next(iter(loaded))] if hasattr(loaded, "keys") else loaded
    return list(first.column_names)


def read_hf(
    source: str | Path,
    split: Split,
    hf_split: str | None = None,
    scheme: Scheme = "auto",
    text_field: str | None = None,
) -> list[LabelledDocument]:
    """Every row of one split of a dataset as labelled documents; a row that cannot be read is
    an error naming the row, and nothing is returned."""
    dataset, name = _one_split(_load(source), hf_split, source)
    columns = set(dataset.column_names)
    problems: list = []
    if {"tokens", "ner_tags"} <= columns and not ({"text", "spans"} <= columns):  # spans: exact text
        items = _from_tags(dataset, name, split, scheme, problems)
    else:
        items = [
            labelled_record(
                row, index, split, text_field, None, name, lambda m, i=index: problems.append((name, i, m))
            )
            for index, row in enumerate(dataset)
        ]
    if problems:
        raise InputError(problems)
    return [item for item in items if item is not None]


def _load(source: str | Path):
    import datasets

    path = Path(source)
    if is_saved_dataset(path):
        return datasets.load_from_disk(str(path))
    if path.is_file() and path.suffix.lower() in FILE_BUILDERS:
        return datasets.load_dataset(FILE_BUILDERS[path.suffix.lower()], data_files=str(path))
    if path.exists():
        raise InputError(
            [(path, 0, "not a saved dataset (no dataset_info.json) nor a parquet/JSON/CSV file")]
        )
    return datasets.load_dataset(str(source))  # a hub name: users with the hub reachable


def _one_split(loaded, wanted: str | None, source) -> tuple:
    from datasets import DatasetDict

    if not isinstance(loaded, DatasetDict):
        return loaded, f"{source}"
    if wanted is None and len(loaded) == 1:
        wanted = next(iter(loaded))
    if wanted not in loaded:
        splits = ", ".join(loaded)
        raise InputError([(Path(str(source)), 0, f"choose a split with --hf-split (it has: {splits})")])
    return loaded[wanted], f"{source}[{wanted}]"


def _from_tags(dataset, name: str, split: Split, scheme: Scheme, problems: list) -> list[LabelledDocument]:
    feature = dataset.features["ner_tags"].feature
    names = getattr(feature, "names", None)  # ClassLabel ids, or the tags as strings
    rows = [[names[t] if names else t for t in row["ner_tags"]] for row in dataset]
    if scheme == "auto":
        scheme = detect_scheme(tag for tags in rows for tag in tags)
    items = []
    for index, (record, tags) in enumerate(zip(dataset, rows, strict=True)):
        if len(record["tokens"]) != len(tags):
            problems.append((name, index, f"{len(record['tokens'])} tokens but {len(tags)} tags"))
            continue
        metadata = {"file": name, "row": index} | ({"id": record["id"]} if "id" in record else {})
        items.append(
            tagged_document(record["tokens"], tags, scheme, split, metadata, (name, index), problems)
        )
    return items


SPLIT_NAMES = {Split.POOL: "train", Split.VALIDATION: "validation", Split.TEST: "test"}


def write_hf(documents: Iterable[tuple[str, LabelledDocument]], out: Path, card: str) -> dict[str, int]:
    """(document id, labelled document) pairs -> a DatasetDict saved at `out`, with README.md.
    Returns rows per split."""
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Sequence, Value

    rows: dict[str, list[dict]] = {}
    labels: set[str] = set()
    for doc_id, item in documents:
        tokens, tags = bio_tags(item.document.text, item.spans)
        labels.update(span.label for span in item.spans)
        spans = [{"start": s.start, "end": s.end, "label": s.label} for s in item.spans]
        row = {"id": doc_id, "text": item.document.text, "spans": spans, "tokens": tokens, "ner_tags": tags}
        rows.setdefault(SPLIT_NAMES[Split(item.document.split)], []).append(row)
    names = ["O"] + [f"{p}-{label}" for label in sorted(labels) for p in ("B", "I")]
    features = Features(
        {
            "id": Value("string"),
            "text": Value("string"),
            "spans": [{"start": Value("int32"), "end": Value("int32"), "label": Value("string")}],
            "tokens": Sequence(Value("string")),
            "ner_tags": Sequence(ClassLabel(names=names)),
        }
    )
    data = DatasetDict(
        {name: Dataset.from_list(split_rows, features=features) for name, split_rows in rows.items()}
    )
    data.save_to_disk(str(out))
    (out / "README.md").write_text(card, encoding="utf-8")
    return {name: len(split_rows) for name, split_rows in rows.items()}
