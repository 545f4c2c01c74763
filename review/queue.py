"""The review queue in the store: routing decisions and where each document stands.

Routing happens once per document and guidelines version: a re-run routes only
documents the teacher annotated since, so reviewers are never asked twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import func, select, update

from corpus.model import AnnotatorKind, Split, utcnow
from corpus.store import Store
from corpus.tables import ReviewItemRow
from review.policy import Decision, ReviewPolicy, Route, route


class ReviewStatus(StrEnum):
    """Where a routed document stands (`review_items.status`)."""

    QUEUED = "queued"  # waiting to be pushed
    PUSHED = "pushed"  # in the review backend, unanswered
    SUBMITTED = "submitted"  # a human answer came back: it overrides the teacher's labels
    DISCARDED = "discarded"  # annotators threw it out: never trained on
    ACCEPTED = "accepted"  # routed past review: the teacher's labels stand


class ReviewQueue:
    def __init__(self, store: Store, guidelines_version: str):
        self.store = store
        self.version = guidelines_version

    def route_new(self, policy: ReviewPolicy, batch: str | None = None) -> list[Decision]:
        """Route teacher-annotated pool documents that have no decision yet; record every decision."""
        decided = set(self._ids())
        pool = {d.id for d in self.store.documents(split=Split.POOL)}
        annotations = [
            a
            for a in self.store.annotations(kind=AnnotatorKind.TEACHER, guidelines_version=self.version)
            if a.document_id in pool and a.document_id not in decided
        ]
        decisions = route(annotations, policy)
        batch = batch or datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        with self.store.transaction() as session:
            for d in decisions:
                session.add(
                    ReviewItemRow(
                        document_id=d.document_id,
                        guidelines_version=self.version,
                        route=d.route,
                        reason=d.reason,
                        status=ReviewStatus.QUEUED if d.route == Route.REVIEW else ReviewStatus.ACCEPTED,
                        batch=batch,
                        confidence=d.confidence,
                    )
                )
        return decisions

    def _ids(self, status: str | None = None) -> list[str]:
        with self.store.transaction() as session:
            query = select(ReviewItemRow.document_id).where(ReviewItemRow.guidelines_version == self.version)
            if status:
                query = query.where(ReviewItemRow.status == status)
            return list(session.scalars(query))

    def items(self, statuses: tuple[str, ...]) -> list[ReviewItemRow]:
        with self.store.transaction() as session:
            return list(
                session.scalars(
                    select(ReviewItemRow).where(
                        ReviewItemRow.guidelines_version == self.version, ReviewItemRow.status.in_(statuses)
                    )
                )
            )

    def waiting(self) -> set[str]:
        """Routed to review, no human answer yet: left out of training by default."""
        return {item.document_id for item in self.items((ReviewStatus.QUEUED, ReviewStatus.PUSHED))}

    def discarded(self) -> set[str]:
        return set(self._ids(ReviewStatus.DISCARDED))

    def mark(self, document_ids: list[str], status: str) -> None:
        if not document_ids:
            return
        with self.store.transaction() as session:
            session.execute(
                update(ReviewItemRow)
                .where(
                    ReviewItemRow.guidelines_version == self.version,
                    ReviewItemRow.document_id.in_(document_ids),
                )
                .values(status=status, updated_at=utcnow())
            )

    def counts(self) -> Counter:
        with self.store.transaction() as session:
            rows = session.execute(
                select(ReviewItemRow.status, func.count())
                .where(ReviewItemRow.guidelines_version == self.version)
                .group_by(ReviewItemRow.status)
            ).all()
        return Counter(dict(rows))
