"""The student as the teacher's second opinion (`[teacher] ensemble`): the production
model, or else the newest registered one, predicting on each document the teacher labels."""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from corpus.model import Span
from corpus.store import Store
from export.registry import ModelRecord, ModelStatus, Registry
from flows.project import Project
from student.predict import predict
from teacher.ensemble import EnsembleMode


class StudentOpinion:
    def __init__(self, record: ModelRecord, max_words: int, overlap: int):
        from gliner import GLiNER

        self.name = f"student:{record.id}"
        self.model = GLiNER.from_pretrained(record.artifacts["student"], local_files_only=True)
        self.labels, self.threshold = list(record.labels), record.threshold
        self.label_thresholds = dict(record.label_thresholds)
        self.max_words, self.overlap = max_words, overlap
        self._lock = threading.Lock()  # one model shared by the flow's concurrent batches

    def spans(self, text: str) -> list[Span]:
        with self._lock:
            return predict(
                self.model, [text], self.labels, self.threshold, self.max_words, self.overlap,
                by_label=self.label_thresholds,
            )[0]  # fmt: skip


def current_student(registry: Registry) -> ModelRecord | None:
    """Production if there is one, else the newest registered student whose checkpoint still exists."""
    production = registry.production()
    if production and _usable(production):
        return production
    newest = [r for r in registry.list() if r.status != ModelStatus.ARCHIVED and _usable(r)]
    return newest[-1] if newest else None


def _usable(record: ModelRecord) -> bool:
    path = record.artifacts.get("student")
    return bool(path) and Path(path).is_dir()


@lru_cache(maxsize=2)  # loaded once per process, not once per batch
def _load(
    record_id: str, path: str, max_words: int, overlap: int, store_url: str, root: Path
) -> StudentOpinion:
    with Store(store_url) as store:
        return StudentOpinion(Registry(store, root).get(record_id), max_words, overlap)


def student_opinion(project: Project) -> StudentOpinion | None:
    """The second opinion when `ensemble` is on and a student exists; None otherwise."""
    settings = project.settings
    if settings.teacher.ensemble == EnsembleMode.OFF:
        return None
    record = current_student(project.registry)
    if record is None:
        return None
    path, student = record.artifacts["student"], settings.student
    return _load(
        record.id, path, student.max_words, student.window_overlap, settings.store_url, settings.project_dir
    )
