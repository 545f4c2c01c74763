"""An Argilla dataset that people already labelled, read as gold: from the server (a dataset
name, `workspace/name` to choose the workspace) or from its export (what `Dataset.to_hub`
publishes: a hub name, or the same rows saved with `save_to_disk` or as parquet).

Both arrive as Argilla's flat rows: the text field, then per question `<question>.responses`
(one answer per annotator) and `<question>.responses.status`. The span question is the one whose
answers are spans; a record's labels are its submitted answers, resolved by majority (a span
stays when at least half of the annotators marked it exactly). Records nobody submitted are
left out, and counted.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from corpus.errors import InputError
from corpus.jsonspans import labelled_record
from corpus.model import LabelledDocument, Split
from corpus.raw import Rejected

RESPONSES = ".responses"


def looks_like_argilla(columns: list[str]) -> bool:
    return any(c.endswith(RESPONSES) and f"{c}.status" in columns for c in columns)


def read_argilla(
    source: str | Path,
    split: Split,
    text_field: str | None = None,
    api_url: str | None = None,
    api_key: str | None = None,
    skipped: list | None = None,
) -> list[LabelledDocument]:
    """The submitted records as labelled documents; `skipped` hears how many nobody submitted."""
    rows, where = _rows(source, api_url, api_key)
    question = _span_question(rows.column_names, rows, where)
    text_field = text_field or ("text" if "text" in rows.column_names else None)
    if text_field not in rows.column_names:
        fields = ", ".join(c for c in rows.column_names if "." not in c)
        raise InputError([(where, 0, f"which field is the text? choose one with --text-field ({fields})")])
    problems, items, unanswered = [], [], 0
    for index, row in enumerate(rows):
        answers = [
            value or []
            for value, status in zip(row[question] or [], row[f"{question}.status"] or [], strict=False)
            if status == "submitted"
        ]
        if not answers:
            unanswered += 1
            continue
        record = {"text": row[text_field], "spans": majority(answers), "id": row.get("id")}
        items.append(labelled_record(record, index, split, "text", "spans", str(where),
                                     lambda m, i=index: problems.append((where, i, m))))  # fmt: skip
    if problems:
        raise InputError(problems)
    if unanswered and skipped is not None:
        skipped.append(Rejected(str(where), f"{unanswered} record(s) nobody submitted: left out"))
    return [item for item in items if item is not None]


def majority(answers: list[list[dict]]) -> list[dict]:
    key = lambda s: (s["start"], s["end"], s["label"])  # noqa: E731
    votes = Counter(key(span) for answer in answers for span in {key(s): s for s in answer}.values())
    kept = sorted(k for k, n in votes.items() if n * 2 >= len(answers))
    return [{"start": start, "end": end, "label": label} for start, end, label in kept]


def _rows(source: str | Path, api_url: str | None, api_key: str | None):
    """Argilla's flat rows as a `datasets.Dataset`, and what to call the source in messages."""
    import datasets

    path = Path(source)
    if path.is_dir():
        return datasets.load_from_disk(str(path)), path
    if path.is_file():
        return datasets.load_dataset("parquet", data_files=str(path), split="train"), path
    if api_url:
        return _from_server(str(source), api_url, api_key), Path(f"argilla:{source}")
    return datasets.load_dataset(str(source), split="train"), Path(str(source))  # a hub export


def _from_server(name: str, api_url: str, api_key: str | None):
    import argilla as rg

    workspace, _, dataset_name = name.rpartition("/")
    client = rg.Argilla(api_url=api_url, api_key=api_key or "", timeout=60)
    dataset = client.datasets(name=dataset_name, workspace=workspace or None)
    if dataset is None:
        raise InputError([(Path(f"argilla:{name}"), 0, f"no dataset {dataset_name!r} on {api_url}")])
    return dataset.records.to_datasets()


def _span_question(columns: list[str], rows, where: Path) -> str:
    """The `<question>.responses` column whose answers are spans."""
    for column in columns:
        if not (column.endswith(RESPONSES) and f"{column}.status" in columns):
            continue
        sample = next((v for values in rows[column] if values for v in values if v), None)
        spans = isinstance(sample, list) and all({"start", "end", "label"} <= set(s) for s in sample)
        if sample is None or spans:
            return column
    raise InputError([(where, 0, "no span question with answers in this Argilla dataset")])
