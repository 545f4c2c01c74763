"""Annotations out of the store: JSON Lines and Hugging Face `datasets`.

One record per annotation, with the document's text so a record stands alone:
{id, text, source, split, annotator, annotator_kind, guidelines_version,
 confidence, status, spans: [{start, end, label, score, text}]}.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from corpus.model import AnnotationStatus, AnnotatorKind, LabelledDocument, Split
from corpus.store import Store


def annotation_records(
    store: Store, kind: AnnotatorKind | None = None, split: Split | None = None
) -> Iterator[dict]:
    documents = {doc.id: doc for doc in store.documents(split=split)}
    for annotation in store.annotations(kind=kind, document_ids=list(documents)):
        doc = documents[annotation.document_id]
        yield {
            "id": annotation.document_id,
            "text": doc.text,
            "source": doc.source,
            "split": str(doc.split),
            "annotator": annotation.annotator.name,
            "annotator_kind": str(annotation.annotator.kind),
            "guidelines_version": annotation.guidelines_version,
            "confidence": annotation.confidence,
            "status": str(annotation.status),
            "spans": [
                {
                    "start": s.start,
                    "end": s.end,
                    "label": s.label,
                    "score": s.score,
                    "text": doc.text[s.start : s.end],
                }
                for s in annotation.spans
            ],
        }


def write_jsonl(records: Iterator[dict], path: str | Path) -> int:
    """Write records to `path` atomically (a temporary file renamed into place)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    with tmp.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    tmp.replace(path)
    return count


def to_dataset(records: Iterator[dict]):
    """A `datasets.Dataset` with the same columns as the JSONL records (typed even when empty)."""
    from datasets import Dataset, Features, Value

    span = {
        "start": Value("int32"),
        "end": Value("int32"),
        "label": Value("string"),
        "score": Value("float32"),
        "text": Value("string"),
    }
    features = Features(
        {
            "id": Value("string"),
            "text": Value("string"),
            "source": Value("string"),
            "split": Value("string"),
            "annotator": Value("string"),
            "annotator_kind": Value("string"),
            "guidelines_version": Value("string"),
            "confidence": Value("float32"),
            "status": Value("string"),
            "spans": [span],
        }
    )
    rows = list(records)
    return Dataset.from_dict({key: [row[key] for row in rows] for key in features}, features=features)


SOURCES = ("reviewed", "gold", "teacher")  # a document's labels: the first of these it has


def source_of(annotation) -> str | None:
    """Which of SOURCES an annotation is: gold (imported human labels), reviewed (an annotator's
    answer in review), teacher (the LLM's, when it did not fail)."""
    if annotation.annotator.kind == AnnotatorKind.HUMAN:
        return "gold" if annotation.annotator.name.startswith("gold:") else "reviewed"
    if annotation.annotator.kind == AnnotatorKind.TEACHER and annotation.status == AnnotationStatus.OK:
        return "teacher"
    return None


def chosen_labels(store: Store, sources: tuple[str, ...]) -> list[tuple[str, LabelledDocument, str]]:
    """(document id, labelled document, source) for every document with labels from `sources`,
    a document's labels taken from the first of SOURCES (people before the teacher) it has."""
    documents = {doc.id: doc for doc in store.documents()}
    best: dict[str, tuple[int, object]] = {}
    for annotation in store.annotations():
        source = source_of(annotation)
        if source in sources and annotation.document_id in documents:
            rank = SOURCES.index(source)
            if annotation.document_id not in best or rank < best[annotation.document_id][0]:
                best[annotation.document_id] = (rank, annotation)
    return [
        (doc_id, LabelledDocument(documents[doc_id], tuple(annotation.spans)), SOURCES[rank])
        for doc_id, (rank, annotation) in sorted(best.items())
    ]
