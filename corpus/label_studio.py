"""Label Studio's JSON export in and out: a list of tasks, each `data.text` with its
`annotations`, each a `result` of `labels` regions ({"value": {"start", "end", "text",
"labels": [...]}}). In: the last annotation of each task that was not cancelled; a task with none
is an error (gold without labels is a misread file, never 0 entities). Out: one annotation per
task, which Label Studio imports as is."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from corpus.errors import InputError
from corpus.model import Document, LabelledDocument, Span, Split, trim_span


def looks_like_label_studio(path: Path) -> bool:
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    head = path.open(encoding="utf-8", errors="replace").read(4000)
    return (
        head.lstrip().startswith("[")
        and '"data"' in head
        and ('"annotations"' in head or '"predictions"' in head)
    )


def read_label_studio(path: Path, split: Split, text_field: str | None = None) -> list[LabelledDocument]:
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError([(path, 0, f"not a Label Studio JSON export ({error})")]) from error
    if not isinstance(tasks, list):
        raise InputError([(path, 0, "a Label Studio JSON export is a list of tasks")])
    problems: list = []
    items = [
        _task(task, index, path, split, text_field or "text", problems) for index, task in enumerate(tasks)
    ]
    if problems:
        raise InputError(problems)
    return [item for item in items if item is not None]


def _task(task, index: int, path: Path, split: Split, field: str, problems: list) -> LabelledDocument | None:
    def problem(message: str) -> None:
        problems.append(
            (path, index, f"task {task.get('id', index) if isinstance(task, dict) else index}: {message}")
        )

    text = task.get("data", {}).get(field) if isinstance(task, dict) else None
    if not isinstance(text, str):
        problem(f"no data.{field} text (--text-field names another)")
        return None
    done = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
    if not done:
        problem("not annotated (no annotation that was not cancelled)")
        return None
    spans = []
    for region in done[-1].get("result") or []:
        value = region.get("value") or {}
        if region.get("type") != "labels":
            continue  # other controls (choices, ratings) say nothing about spans
        start, end, labels = value.get("start"), value.get("end"), value.get("labels") or []
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text) and labels):
            problem(f"region {region.get('id', '?')} is not a labelled range inside the text")
            continue
        start, end = trim_span(text, start, end)
        spans.append(Span(start, end, str(labels[0])))
    metadata = {"file": path.name, "task": task.get("id", index)}
    return LabelledDocument(Document(text, path.name, metadata, split), tuple(spans))


def write_label_studio(documents: Iterable[tuple[str, LabelledDocument]], path: Path) -> int:
    tasks = []
    for doc_id, item in documents:
        text = item.document.text
        result = [
            {
                "id": f"{doc_id[:8]}-{n}",
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {"start": s.start, "end": s.end, "text": text[s.start : s.end], "labels": [s.label]},
            }
            for n, s in enumerate(item.spans)
        ]
        tasks.append({"data": {"text": text, "distil_id": doc_id}, "annotations": [{"result": result}]})
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return len(tasks)
