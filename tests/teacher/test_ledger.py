"""Claims across hosts: a dead worker's claim (another host, pod or Dask node, where no PID
can be checked) is taken over once its lease runs out, and a live worker's heartbeat keeps
its claims for as long as its calls take."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from sqlalchemy import update

from corpus.guideline_files import load_guidelines
from corpus.model import Document, utcnow
from corpus.store import Store
from corpus.tables import TeacherCallRow
from teacher.annotate import TeacherRun
from teacher.config import TeacherConfig
from teacher.endpoint import OpenAIEndpoint
from teacher.ledger import CallLedger, CallStatus, Claim
from teacher.plan import CallPlan
from teacher.scripted_server import FakeOpenAI

GUIDELINES = load_guidelines("general")
ELSEWHERE = "worker-pod-7:41:0badc0de"  # a host this machine cannot look into


@pytest.fixture
def store(db_url):
    with Store(db_url) as store:
        yield store


def claimed_elsewhere(store: Store, document: Document, seconds_ago: float):
    """A claim another host made `seconds_ago` and never renewed or finished."""
    store.add_documents([document])
    config = TeacherConfig(few_shot=0)
    call = CallPlan(store, GUIDELINES, "fake-teacher", config).key(document)
    assert CallLedger(store, ELSEWHERE).claim(call) == Claim.MINE
    with store.transaction() as session:
        session.execute(
            update(TeacherCallRow)
            .where(TeacherCallRow.key == call.key)
            .values(claimed_at=utcnow() - timedelta(seconds=seconds_ago))
        )
    return call


def test_a_dead_hosts_claim_is_taken_over_within_a_minute(store):
    call = claimed_elsewhere(store, Document("Claimed in a pod that was evicted, about Oslo."), 61)
    here = CallLedger(store)
    assert TeacherConfig().claim_lease_s <= 60
    assert here.claim(call) == Claim.MINE
    (row,) = here.rows([call.document_id])
    assert row.worker == here.worker and row.attempts == 2 and row.status == CallStatus.CLAIMED


def test_a_recent_claim_from_another_host_is_left_alone(store):
    call = claimed_elsewhere(store, Document("Claimed a moment ago on another node, about Lima."), 5)
    assert CallLedger(store).claim(call) == Claim.BUSY


def test_renew_restarts_only_this_workers_open_claims(store):
    mine = claimed_elsewhere(store, Document("A long call on the worker in pod 7, about Kyiv."), 50)
    theirs = claimed_elsewhere(store, Document("Someone else's call, about Quito."), 50)
    with store.transaction() as session:  # the second belongs to yet another worker
        session.execute(
            update(TeacherCallRow).where(TeacherCallRow.key == theirs.key).values(worker="other:1:1")
        )
    assert CallLedger(store, ELSEWHERE).renew() == 1
    rows = {r.key: r for r in CallLedger(store).rows()}
    age = {key: utcnow() - row.claimed_at.replace(tzinfo=utcnow().tzinfo) for key, row in rows.items()}
    assert age[mine.key] < timedelta(seconds=5) and age[theirs.key] > timedelta(seconds=45)


def test_a_live_workers_slow_call_keeps_its_claim(store):
    """The call hangs for four leases; another host asking all along finds it busy, never its own."""
    document = Document("A slow answer about Nairobi.")
    store.add_documents([document])
    server = FakeOpenAI(script={"Nairobi": [{"hang": 2.0}]})
    url = server.start()
    config = TeacherConfig(samples=1, few_shot=0, ensemble="off", claim_lease_s=0.5, timeout_s=10)
    run = TeacherRun(store, GUIDELINES, OpenAIEndpoint(url, "fake-teacher"), config)
    call = run.plan.key(document)
    outcomes: list[Claim] = []
    stop = threading.Event()

    def ask_from_elsewhere():
        other = CallLedger(store, ELSEWHERE, lease_s=0.5)
        while not stop.wait(0.2):
            if len(server.requests):  # once the call is on its way
                outcomes.append(other.claim(call))

    asker = threading.Thread(target=ask_from_elsewhere)
    asker.start()
    try:
        summary = asyncio.run(run.run([document]))
    finally:
        stop.set()
        asker.join()
        server.stop()
    assert summary.annotated == 1 and len(server.requests) == 1
    assert len(outcomes) >= 5 and set(outcomes) <= {Claim.BUSY, Claim.CACHED}, outcomes
