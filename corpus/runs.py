"""The run log in the store: a row per flow run, and the last runs with what the teacher did
during each (documents, calls, tokens, cost from teacher_calls finished inside the run)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from corpus.model import utcnow
from corpus.store import Store
from corpus.tables import RunRow, TeacherCallRow


def start_run(store: Store, flow: str) -> str:
    run_id = str(uuid.uuid4())
    with store.transaction() as session:
        session.add(RunRow(id=run_id, flow=flow, status="running", started_at=utcnow(), error=""))
    return run_id


def finish_run(store: Store, run_id: str, status: str, error: str = "") -> None:
    with store.transaction() as session:
        session.execute(
            update(RunRow)
            .where(RunRow.id == run_id)
            .values(status=status, finished_at=utcnow(), error=error[:1000])
        )


def recent_runs(store: Store, limit: int = 5, now: datetime | None = None) -> list[dict]:
    """The newest runs first: flow, start, wall minutes, status, error, and the teacher's work."""
    with store.transaction() as session:
        rows = session.scalars(select(RunRow).order_by(RunRow.started_at.desc()).limit(limit)).all()
        return [_run(session, row, now or utcnow()) for row in rows]


def _naive(moment: datetime) -> datetime:
    """UTC without a zone: SQLite gives naive times back, PostgreSQL aware ones."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _run(session, row: RunRow, now: datetime) -> dict:
    started, end = _naive(row.started_at), _naive(row.finished_at or now)
    documents, calls, tokens, cost = session.execute(
        select(
            func.count(),
            func.sum(TeacherCallRow.calls),
            func.sum(TeacherCallRow.tokens_in + TeacherCallRow.tokens_out),
            func.sum(TeacherCallRow.cost_usd),
        ).where(
            TeacherCallRow.finished_at >= row.started_at,
            TeacherCallRow.finished_at <= (row.finished_at or now),
        )
    ).one()
    return {
        "flow": row.flow,
        "started": started.isoformat(timespec="minutes"),
        "wall_minutes": round((end - started).total_seconds() / 60, 1),
        "status": row.status,
        "error": row.error,
        "documents": documents,
        "calls": int(calls or 0),
        "tokens": int(tokens or 0),
        "cost_usd": round(float(cost or 0.0), 4),
    }
