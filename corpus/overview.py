"""What a store holds, summarised for `distil status`: documents by split and source, annotations
by kind and state, failures grouped by reason, the review queue by state and age, and the
teacher's work per day. Plain data (JSON-ready): the command renders it, scripts read `--json`."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from corpus.store import Store
from corpus.tables import AnnotationRow, DocumentRow, ReviewItemRow, TeacherCallRow

SOURCES = 10  # sources listed per split; the rest are summed as "(other sources)"


def overview(store: Store, now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC).replace(tzinfo=None)  # the store keeps naive UTC
    with store.transaction() as session:
        state = _corpus(session)
        review = session.execute(
            select(ReviewItemRow.status, func.count(), func.min(ReviewItemRow.updated_at)).group_by(
                ReviewItemRow.status
            )
        ).all()
        days = _teacher_days(session)
    state["review"] = {
        status: {"documents": n, "oldest_hours": round((now - oldest).total_seconds() / 3600, 1)}
        for status, n, oldest in sorted(review)
    }
    state["teacher_days"] = days
    return state


def _corpus(session) -> dict:
    """Documents by split and source, annotations by kind and state, failures, unlabelled pool."""
    documents = session.execute(
        select(DocumentRow.split, DocumentRow.source, func.count()).group_by(
            DocumentRow.split, DocumentRow.source
        )
    ).all()
    annotations = session.execute(
        select(AnnotationRow.annotator_kind, AnnotationRow.status, func.count()).group_by(
            AnnotationRow.annotator_kind, AnnotationRow.status
        )
    ).all()
    failed = session.execute(
        select(AnnotationRow.error, AnnotationRow.document_id).where(AnnotationRow.status == "failed")
    ).all()
    # labelled: by the teacher (done or failed) or by people (gold ingested with --split train)
    labelled = select(AnnotationRow.document_id).where(AnnotationRow.annotator_kind.in_(("teacher", "human")))
    unlabelled = session.scalar(
        select(func.count())
        .select_from(DocumentRow)
        .where(DocumentRow.split == "pool", DocumentRow.id.not_in(labelled))
    )
    return {
        "documents": _by_split(documents),
        "annotations": {f"{kind} ({status})": n for kind, status, n in sorted(annotations)},
        "pool_unlabelled": unlabelled,
        "failures": _failures(failed),
    }


def _teacher_days(session) -> list[dict]:
    """The teacher's work on each of its last 5 days: documents, calls, tokens, cost, wall time."""
    days = session.execute(
        select(
            func.date(TeacherCallRow.claimed_at),
            func.count(),
            func.sum(TeacherCallRow.calls),
            func.sum(TeacherCallRow.tokens_in + TeacherCallRow.tokens_out),
            func.sum(TeacherCallRow.cost_usd),
            func.min(TeacherCallRow.claimed_at),
            func.max(TeacherCallRow.finished_at),
        )
        .group_by(func.date(TeacherCallRow.claimed_at))
        .order_by(func.date(TeacherCallRow.claimed_at).desc())
        .limit(5)
    ).all()
    return [
        {
            "day": str(day),
            "documents": n,
            "calls": int(calls or 0),
            "tokens": int(tokens or 0),
            "cost_usd": round(float(cost or 0.0), 4),
            "wall_minutes": round((last - first).total_seconds() / 60, 1) if first and last else None,
        }
        for day, n, calls, tokens, cost, first, last in days
    ]


def _by_split(rows) -> dict[str, dict]:
    result: dict[str, dict] = {}
    for split, source, n in sorted(rows, key=lambda r: -r[2]):
        entry = result.setdefault(split, {"documents": 0, "sources": {}})
        entry["documents"] += n
        sources = entry["sources"]
        name = source or "(no source)"
        if len(sources) < SOURCES or name in sources:
            sources[name] = sources.get(name, 0) + n
        else:
            sources["(other sources)"] = sources.get("(other sources)", 0) + n
    return result


def _failures(rows) -> list[dict]:
    """Failed annotations grouped by reason (quoted text, e.g. a span, does not split a group),
    most frequent first, each with one document to look at."""
    groups: dict[str, dict] = {}
    for error, document_id in rows:
        first = (error or "(no reason recorded)").strip().splitlines()[0][:200]
        group = groups.setdefault(
            _QUOTED.sub("'…'", first), {"reason": first, "documents": 0, "example": document_id}
        )
        group["documents"] += 1
    return sorted(groups.values(), key=lambda g: -g["documents"])


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
