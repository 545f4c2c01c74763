"""Claims and cached results of teacher calls, in the store (table teacher_calls).

Two workers over the same documents never pay for one twice: a worker first
claims the document's key in one transaction (INSERT ... ON CONFLICT DO
NOTHING, or a conditional UPDATE of a failed or abandoned claim), and only the
winner calls the endpoint. A finished call and the annotation it produced are
written in one transaction, so the cache and the labels never disagree.
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from corpus.model import Annotation, utcnow
from corpus.store import Store
from corpus.tables import TeacherCallRow


@dataclass(frozen=True)
class CallKey:
    model: str
    guidelines_version: str
    prompt_version: str
    sampling: str
    document_id: str

    @property
    def key(self) -> str:
        parts = (self.model, self.guidelines_version, self.prompt_version, self.sampling, self.document_id)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


Outcome = Literal["mine", "cached", "busy"]


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _worker_is_dead(worker: str) -> bool:
    """A claim by a process of this host that no longer exists (killed mid-run) is abandoned."""
    host, _, rest = worker.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class CallLedger:
    def __init__(self, store: Store, worker: str | None = None, lease_s: float = 600.0):
        self.store = store
        self.worker = worker or new_worker_id()
        self.lease = timedelta(seconds=lease_s)

    def claim(self, call: CallKey) -> Outcome:
        now = utcnow()
        values = {
            "key": call.key, "document_id": call.document_id, "model": call.model,
            "guidelines_version": call.guidelines_version, "prompt_version": call.prompt_version,
            "sampling": call.sampling, "status": "claimed", "worker": self.worker, "attempts": 1,
            "claimed_at": now, "result": {}, "tokens_in": 0, "tokens_out": 0, "calls": 0, "cost_usd": 0.0,
            "error": "",
        }  # fmt: skip
        with self.store.transaction() as session:
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            inserted = session.execute(
                insert(TeacherCallRow.__table__)
                .values(values)
                .on_conflict_do_nothing(index_elements=["key"])
                .returning(TeacherCallRow.__table__.c.key)
            ).first()
            if inserted:
                return "mine"
            row = session.execute(
                select(TeacherCallRow.status, TeacherCallRow.worker, TeacherCallRow.claimed_at).where(
                    TeacherCallRow.key == call.key
                )
            ).one()
            if row.status == "done":
                return "cached"
            claimed_at = (
                row.claimed_at if row.claimed_at.tzinfo else row.claimed_at.replace(tzinfo=now.tzinfo)
            )
            abandoned = row.status == "claimed" and (
                now - claimed_at > self.lease or _worker_is_dead(row.worker)
            )
            if row.status != "failed" and not abandoned:
                return "busy"
            taken = session.execute(
                update(TeacherCallRow)
                .where(
                    TeacherCallRow.key == call.key,
                    TeacherCallRow.status == row.status,
                    TeacherCallRow.worker == row.worker,
                )
                .values(
                    status="claimed", worker=self.worker, claimed_at=now, attempts=TeacherCallRow.attempts + 1
                )
            )
            return "mine" if taken.rowcount == 1 else "busy"

    def finish(
        self, call: CallKey, result: dict, tokens_in: int, tokens_out: int, calls: int, cost: float,
        annotation: Annotation,
    ) -> None:  # fmt: skip
        """Mark the call done and store its annotation, in one transaction."""
        with self.store.transaction() as session:
            self._close(session, call, "done", result, tokens_in, tokens_out, calls, cost, "")
            Store.write_annotations(session, [annotation])

    def fail(
        self, call: CallKey, reason: str, tokens_in: int, tokens_out: int, calls: int, cost: float,
        annotation: Annotation,
    ) -> None:  # fmt: skip
        with self.store.transaction() as session:
            self._close(session, call, "failed", {}, tokens_in, tokens_out, calls, cost, reason)
            Store.write_annotations(session, [annotation])

    def release(self, call: CallKey) -> None:
        """Give a claim back unfinished (the run was interrupted): the next run takes it at once."""
        with self.store.transaction() as session:
            session.execute(
                update(TeacherCallRow)
                .where(TeacherCallRow.key == call.key, TeacherCallRow.worker == self.worker)
                .values(status="failed", error="interrupted before the call finished")
            )

    def _close(self, session, call, status, result, tokens_in, tokens_out, calls, cost, error) -> None:
        done = session.execute(
            update(TeacherCallRow)
            .where(TeacherCallRow.key == call.key, TeacherCallRow.worker == self.worker)
            .values(
                status=status,
                result=result,
                finished_at=utcnow(),
                error=error,
                tokens_in=TeacherCallRow.tokens_in + tokens_in,
                tokens_out=TeacherCallRow.tokens_out + tokens_out,
                calls=TeacherCallRow.calls + calls,
                cost_usd=TeacherCallRow.cost_usd + cost,
            )  # fmt: skip
        )
        if done.rowcount != 1:
            raise RuntimeError(
                f"lost the claim on document {call.document_id[:12]}: another worker took it over"
            )

    def rows(self, document_ids: list[str] | None = None) -> list[TeacherCallRow]:
        with self.store.transaction() as session:
            query = select(TeacherCallRow)
            if document_ids is None:
                return list(session.scalars(query))
            return [
                row
                for i in range(0, len(document_ids), 500)
                for row in session.scalars(
                    query.where(TeacherCallRow.document_id.in_(document_ids[i : i + 500]))
                )
            ]
