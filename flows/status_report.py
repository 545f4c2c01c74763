"""The project's state as a team checks it each morning: the store's overview, the models in the
registry, and the next command that makes sense (`distil status`, `--json` for scripts)."""

from __future__ import annotations

from sqlalchemy import select

from corpus.model import AnnotatorKind
from corpus.overview import overview
from corpus.runs import recent_runs
from corpus.tables import AnnotationRow
from export.registry import ModelRecord, ModelStatus
from flows.project import Project
from review.agreement import stored_agreement

MODELS = 10  # newest first


def project_status(project: Project) -> dict:
    state = overview(project.store)
    state["agreement"] = annotator_agreement(project.store)
    state["runs"] = recent_runs(project.store)
    records = sorted(project.registry.list(), key=lambda r: r.created_at or 0, reverse=True)
    state["models"] = [_model(r) for r in records[:MODELS]]
    state["production"] = next((r.id for r in records if r.status == ModelStatus.PRODUCTION), None)
    state["next"] = next_step(state, records)
    return state


def annotator_agreement(store) -> dict[str, float]:
    """Per-label F1 between annotators on records several of them answered ("all": every label)."""
    with store.transaction() as session:
        metadata = session.scalars(
            select(AnnotationRow.meta).where(AnnotationRow.annotator_kind == AnnotatorKind.HUMAN)
        ).all()
    return stored_agreement(m for m in metadata if m)


def _model(record: ModelRecord) -> dict:
    return {
        "id": record.id,
        "status": str(record.status),
        "validation_f1": record.metrics.get("validation_f1"),
        "dev_f1": record.metrics.get("dev_f1"),
        "format": record.artifacts.get("format"),
        "exported": bool(record.artifacts.get("bundle")),
        "created": record.created_at.isoformat(timespec="minutes") if record.created_at else None,
    }


def next_step(state: dict, records: list[ModelRecord]) -> str:
    """The command that moves the project on, with why (the first that applies, in pipeline order)."""
    documents, review = state["documents"], state["review"]
    failed = sum(f["documents"] for f in state["failures"])
    if not documents:
        return "distil ingest FILES: nothing is stored yet (raw text goes to the pool)"
    if "validation" not in documents:
        return "distil ingest GOLD --split validation: no held-out human labels to evaluate on"
    if state["pool_unlabelled"] or failed:
        waiting = state["pool_unlabelled"] + failed
        before = f" ({failed} failed before: see Failures by reason)" if failed else ""
        return f"distil annotate: {waiting} pool documents have no labels yet{before}"
    if review.get("queued", {}).get("documents"):
        return f"distil review push: {review['queued']['documents']} documents wait to go to review"
    if review.get("pushed", {}).get("documents"):
        return f"distil review pull: {review['pushed']['documents']} documents are out for review"
    if not records:
        return "distil train: labels are ready and no student is trained"
    latest = records[0]
    if not latest.artifacts.get("bundle"):
        return f"distil export {latest.id}: the newest student has no bundle"
    if latest.status == ModelStatus.CANDIDATE:
        return f"distil models promote {latest.id}: exported, not in production"
    return "nothing waits: add text (distil ingest) and run distil distill for the next round"
