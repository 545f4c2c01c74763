"""The model registry: every trained student, its status, and what happened to it.

Rows live in the store's database (tables `models` and `model_events`), so a
team shares one registry the same way it shares one corpus. At most one model
is in production; promoting another archives the one it replaces, and every
change is an event with who did it and why.

Artifact folders (the student checkpoint, the bundle) are stored relative to the
project folder, and resolved against it when read: a model trained by a worker
that mounts the project at /project is found by the host at its own path.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import select

from corpus.store import Store
from corpus.tables import ModelEventRow, ModelRow


class ModelStatus(StrEnum):
    CANDIDATE = "candidate"
    PRODUCTION = "production"
    ARCHIVED = "archived"


PROMOTIONS = ("promoted", "promoted (forced)")
PATH_ARTIFACTS = ("student", "bundle")  # folders, kept relative to the project
ROLLED_BACK = "rolled back"


class RegistryError(LookupError):
    pass


@dataclass
class ModelRecord:
    id: str
    base: str
    training_set_hash: str
    guidelines_version: str
    labels: list[str]
    threshold: float
    metrics: dict[str, Any]
    artifacts: dict[str, Any]
    status: ModelStatus
    created_at: datetime | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    label_thresholds: dict[str, float] = field(default_factory=dict)  # labels with their own threshold


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # containers without a passwd entry
        return "unknown"


class Registry:
    def __init__(self, store: Store, root: Path):
        self.store = store
        self.root = Path(root).resolve()  # the project folder artifact paths are relative to

    def _stored(self, artifacts: dict[str, Any]) -> dict[str, Any]:
        """Paths inside the project as relative POSIX paths; others (a shared disk) as given."""
        stored = dict(artifacts)
        for key in PATH_ARTIFACTS:
            if key in stored and Path(stored[key]).is_absolute():
                path = Path(stored[key]).resolve()
                if path.is_relative_to(self.root):
                    stored[key] = path.relative_to(self.root).as_posix()
        return stored

    def _resolved(self, artifacts: dict[str, Any]) -> dict[str, Any]:
        resolved = dict(artifacts)
        for key in PATH_ARTIFACTS:
            if key in resolved:
                resolved[key] = str(self.root / resolved[key])  # an absolute path stays as it is
        return resolved

    def _record(self, row: ModelRow, events) -> ModelRecord:
        record = _record(row, events)
        record.artifacts = self._resolved(record.artifacts)
        return record

    def register(self, record: ModelRecord, actor: str | None = None) -> ModelRecord:
        """Add a model as a candidate; registering the same id again only updates its metrics."""
        with self.store.transaction() as session:
            row = session.get(ModelRow, record.id)
            if row is None:
                session.add(
                    ModelRow(
                        id=record.id,
                        base=record.base,
                        training_set_hash=record.training_set_hash,
                        guidelines_version=record.guidelines_version,
                        labels={
                            "labels": record.labels,
                            "threshold": record.threshold,
                            "label_thresholds": record.label_thresholds,
                        },
                        metrics=record.metrics,
                        artifacts=self._stored(record.artifacts),
                        status=ModelStatus.CANDIDATE,
                    )
                )
                session.flush()
                _event(session, record.id, "registered", actor, "", {"base": record.base})
            else:
                row.metrics = {**row.metrics, **record.metrics}
                row.artifacts = {**row.artifacts, **self._stored(record.artifacts)}
        return self.get(record.id)

    def get(self, model_id: str) -> ModelRecord:
        with self.store.transaction() as session:
            row = session.get(ModelRow, model_id)
            if row is None:
                matches = session.scalars(select(ModelRow).where(ModelRow.id.startswith(model_id))).all()
                if len(matches) != 1:
                    known = "several match" if matches else "no such model"
                    raise RegistryError(f"model {model_id!r}: {known} (distil models list)")
                row = matches[0]
            events = session.scalars(
                select(ModelEventRow).where(ModelEventRow.model_id == row.id).order_by(ModelEventRow.id)
            ).all()
            return self._record(row, events)

    def list(self) -> list[ModelRecord]:
        with self.store.transaction() as session:
            rows = session.scalars(select(ModelRow).order_by(ModelRow.created_at, ModelRow.id)).all()
            return [self._record(row, []) for row in rows]

    def production(self) -> ModelRecord | None:
        with self.store.transaction() as session:
            row = session.scalars(select(ModelRow).where(ModelRow.status == ModelStatus.PRODUCTION)).first()
            return self._record(row, []) if row else None

    def update(
        self,
        model_id: str,
        *,
        metrics: dict | None = None,
        artifacts: dict | None = None,
        action: str = "",
        actor: str | None = None,
        reason: str = "",
        details: dict | None = None,
    ) -> None:
        with self.store.transaction() as session:
            row = _row(session, model_id)
            if metrics:
                row.metrics = {**row.metrics, **metrics}
            if artifacts:
                row.artifacts = {**row.artifacts, **self._stored(artifacts)}
            if action:
                _event(session, model_id, action, actor, reason, details or {})

    def set_production(
        self, model_id: str, action: str, actor: str | None, reason: str, details: dict
    ) -> None:
        """`model_id` becomes production and the current one archived, in one transaction."""
        with self.store.transaction() as session:
            for current in session.scalars(select(ModelRow).where(ModelRow.status == ModelStatus.PRODUCTION)):
                if current.id != model_id:
                    current.status = ModelStatus.ARCHIVED
                    _event(session, current.id, "archived", actor, f"replaced by {model_id}", {})
            _row(session, model_id).status = ModelStatus.PRODUCTION
            _event(session, model_id, action, actor, reason, details)

    def previous_production(self) -> ModelRecord | None:
        """What a rollback restores: replaying promotions as a stack, where a rollback pops
        the model it demoted, the entry below the current production model."""
        with self.store.transaction() as session:
            events = session.scalars(
                select(ModelEventRow)
                .where(ModelEventRow.action.in_([*PROMOTIONS, ROLLED_BACK]))
                .order_by(ModelEventRow.id)
            ).all()
            stack: list[str] = []
            for event in events:
                if event.model_id in stack:
                    stack.remove(event.model_id)
                if event.action in PROMOTIONS:
                    stack.append(event.model_id)
        return self.get(stack[-2]) if len(stack) >= 2 else None


def _row(session, model_id: str) -> ModelRow:
    row = session.get(ModelRow, model_id)
    if row is None:
        raise RegistryError(f"model {model_id!r}: no such model (distil models list)")
    return row


def _event(session, model_id: str, action: str, actor: str | None, reason: str, details: dict) -> None:
    session.add(
        ModelEventRow(
            model_id=model_id, action=action, actor=actor or current_user(), reason=reason, details=details
        )
    )


def _record(row: ModelRow, events) -> ModelRecord:
    return ModelRecord(
        id=row.id,
        base=row.base,
        training_set_hash=row.training_set_hash,
        guidelines_version=row.guidelines_version,
        labels=list(row.labels.get("labels", [])),
        threshold=float(row.labels.get("threshold", 0.5)),
        label_thresholds=dict(row.labels.get("label_thresholds") or {}),
        metrics=dict(row.metrics),
        artifacts=dict(row.artifacts),
        status=ModelStatus(row.status),
        created_at=row.created_at,
        events=[
            {"action": e.action, "actor": e.actor, "reason": e.reason, "details": e.details, "at": e.at}
            for e in events
        ],
    )
