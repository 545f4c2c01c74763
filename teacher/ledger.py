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
from enum import StrEnum

from sqlalchemy import func, select, update

from corpus.database import in_batches, insert_ignoring_existing, scalars_in
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


class CallStatus(StrEnum):
    """A teacher call in the ledger (`teacher_calls.status`)."""

    CLAIMED = "claimed"  # a worker is on it (renewed while it lives; taken over when the lease runs out)
    DONE = "done"  # paid for: a re-run reads it from here at zero tokens
    FAILED = "failed"  # gave up, with the reason: the next run retries it


class Claim(StrEnum):
    """What claiming a call found."""

    MINE = "mine"  # this worker does it
    CACHED = "cached"  # done already
    BUSY = "busy"  # another worker holds it


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


@dataclass(frozen=True)
class Paid:
    """What the ledger has recorded as paid for some documents, all attempts together."""

    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0

    def __sub__(self, other: Paid) -> Paid:
        return Paid(
            self.calls - other.calls, self.tokens_in - other.tokens_in,
            self.tokens_out - other.tokens_out, round(self.cost_usd - other.cost_usd, 8),
        )  # fmt: skip


class CallLedger:
    def __init__(self, store: Store, worker: str | None = None, lease_s: float = 60.0):
        self.store = store
        self.worker = worker or new_worker_id()
        self.lease = timedelta(seconds=lease_s)

    def claim(self, call: CallKey) -> Claim:
        now = utcnow()
        values = {
            "key": call.key, "document_id": call.document_id, "model": call.model,
            "guidelines_version": call.guidelines_version, "prompt_version": call.prompt_version,
            "sampling": call.sampling, "status": CallStatus.CLAIMED, "worker": self.worker, "attempts": 1,
            "claimed_at": now, "result": {}, "tokens_in": 0, "tokens_out": 0, "calls": 0, "cost_usd": 0.0,
            "error": "",
        }  # fmt: skip
        with self.store.transaction() as session:
            if insert_ignoring_existing(session, TeacherCallRow.__table__, [values], "key"):
                return Claim.MINE
            row = session.execute(
                select(TeacherCallRow.status, TeacherCallRow.worker, TeacherCallRow.claimed_at).where(
                    TeacherCallRow.key == call.key
                )
            ).one()
            if row.status == CallStatus.DONE:
                return Claim.CACHED
            claimed_at = (
                row.claimed_at if row.claimed_at.tzinfo else row.claimed_at.replace(tzinfo=now.tzinfo)
            )
            abandoned = row.status == CallStatus.CLAIMED and (
                now - claimed_at > self.lease or _worker_is_dead(row.worker)
            )
            if row.status != CallStatus.FAILED and not abandoned:
                return Claim.BUSY
            taken = session.execute(
                update(TeacherCallRow)
                .where(
                    TeacherCallRow.key == call.key,
                    TeacherCallRow.status == row.status,
                    TeacherCallRow.worker == row.worker,
                )
                .values(
                    status=CallStatus.CLAIMED,
                    worker=self.worker,
                    claimed_at=now,
                    attempts=TeacherCallRow.attempts + 1,
                    # a dead worker's call in flight was sent and is billed: one call, tokens unknown
                    calls=TeacherCallRow.calls + (1 if abandoned else 0),
                )
            )
            return Claim.MINE if taken.rowcount == 1 else Claim.BUSY

    def finish(
        self, call: CallKey, result: dict, tokens_in: int, tokens_out: int, calls: int, cost: float,
        annotation: Annotation,
    ) -> None:  # fmt: skip
        """Mark the call done and store its annotation, in one transaction."""
        with self.store.transaction() as session:
            self._close(session, call, CallStatus.DONE, result, tokens_in, tokens_out, calls, cost, "")
            Store.write_annotations(session, [annotation])

    def fail(
        self, call: CallKey, reason: str, tokens_in: int, tokens_out: int, calls: int, cost: float,
        annotation: Annotation,
    ) -> None:  # fmt: skip
        with self.store.transaction() as session:
            self._close(session, call, CallStatus.FAILED, {}, tokens_in, tokens_out, calls, cost, reason)
            Store.write_annotations(session, [annotation])

    def renew(self) -> int:
        """The heartbeat: this worker's open claims are fresh again (their lease restarts)."""
        with self.store.transaction() as session:
            renewed = session.execute(
                update(TeacherCallRow)
                .where(TeacherCallRow.worker == self.worker, TeacherCallRow.status == CallStatus.CLAIMED)
                .values(claimed_at=utcnow())
            )
            return renewed.rowcount

    def release(self, call: CallKey) -> None:
        """Give a claim back unfinished (the run was interrupted): the next run takes it at once."""
        with self.store.transaction() as session:
            session.execute(
                update(TeacherCallRow)
                .where(TeacherCallRow.key == call.key, TeacherCallRow.worker == self.worker)
                .values(status=CallStatus.FAILED, error="interrupted before the call finished")
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

    def paid(self, document_ids: list[str]) -> Paid:
        """Calls, tokens and cost recorded for these documents. The difference over a run is what
        the run paid, whichever worker did the call (one that died mid-batch included)."""
        columns = (TeacherCallRow.calls, TeacherCallRow.tokens_in, TeacherCallRow.tokens_out,
                   TeacherCallRow.cost_usd)  # fmt: skip
        total = [0, 0, 0, 0.0]
        with self.store.transaction() as session:
            for batch in in_batches(document_ids):
                query = select(*(func.coalesce(func.sum(c), 0) for c in columns)).where(
                    TeacherCallRow.document_id.in_(list(batch))
                )
                total = [a + b for a, b in zip(total, session.execute(query).one(), strict=True)]
        return Paid(int(total[0]), int(total[1]), int(total[2]), float(total[3]))

    def rows(self, document_ids: list[str] | None = None) -> list[TeacherCallRow]:
        with self.store.transaction() as session:
            return scalars_in(session, select(TeacherCallRow), TeacherCallRow.document_id, document_ids)
