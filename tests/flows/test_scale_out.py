"""The annotate flow on a Dask cluster (distil[dask]): a LocalCluster of two worker processes,
the session's real PostgreSQL and Prefect server, the scripted teacher counting calls per
document. Every document is paid for exactly once; a worker killed with SIGKILL while its call
is in flight loses nothing, and the run's summary counts every call the teacher served."""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter

import pytest
from distributed import Client, LocalCluster
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect_dask import DaskTaskRunner
from sqlalchemy import create_engine, select, text

from corpus.model import AnnotatorKind, Document
from corpus.store import Store
from corpus.tables import TeacherCallRow
from flows import pipeline
from teacher.scripted_server import FakeOpenAI

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
DOCUMENTS = [Document(f"Scale-out document {i} is about Paris.") for i in range(40)]


@pytest.fixture
def database(postgres_url, request):
    name = f"scale_{request.node.name[-12:].strip('_').lower()}_{os.getpid()}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def teacher():
    server = FakeOpenAI(
        answers={"Scale-out": [{"text": "Paris", "label": "LOC", "occurrence": 1}]}, delay_s=0.2
    )
    server.url = server.start()
    yield server
    server.stop()


@pytest.fixture
def cluster(prefect_api, database, teacher, monkeypatch):
    """Two worker processes, started with the environment a deployment's workers would have."""
    monkeypatch.setenv("PREFECT_API_URL", prefect_api[0])  # no temporary server in each worker
    monkeypatch.setenv("DISTIL_DATABASE_URL", database)
    monkeypatch.setenv("DISTIL_TEACHER__BASE_URL", teacher.url)
    monkeypatch.setenv("DISTIL_TEACHER__MODEL", "fake-teacher")
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as running,
        Client(running) as client,
        temporary_settings({PREFECT_API_URL: prefect_api[0]}),
    ):
        yield running, client


@pytest.fixture
def project(tmp_path, database):
    (tmp_path / "distil.toml").write_text(
        "[teacher]\nsamples = 1\nfew_shot = 0\nconcurrency = 1\n", encoding="utf-8"
    )  # one call in flight per worker: a kill lands on exactly one
    with Store(database) as store:
        store.add_documents(DOCUMENTS)
    return tmp_path


def annotate_on(cluster, project):
    running, _ = cluster
    runner = DaskTaskRunner(address=running.scheduler_address)
    return pipeline.annotate_flow.with_options(task_runner=runner)(str(project), batch_size=5)


def calls_per_document(teacher: FakeOpenAI) -> Counter:
    return Counter(next(d.id for d in DOCUMENTS if d.text in r["text"]) for r in teacher.requests)


def workers_of(database: str) -> set[str]:
    with Store(database) as store, store.transaction() as session:
        return set(session.scalars(select(TeacherCallRow.worker)))


def test_every_document_is_paid_once_across_worker_processes(cluster, project, database, teacher):
    summary = annotate_on(cluster, project)
    per_document = calls_per_document(teacher)
    assert set(per_document) == {d.id for d in DOCUMENTS} and set(per_document.values()) == {1}
    assert (summary.annotated, summary.calls) == (40, 40)
    pids = {worker.split(":")[1] for worker in workers_of(database)} - {str(os.getpid())}
    assert len(pids) == 2, "both worker processes did the work (the first document runs in the flow)"


def test_a_worker_killed_mid_call_loses_nothing_and_its_calls_are_counted(
    cluster, project, database, teacher
):
    running, client = cluster
    victim = sorted(client.run(os.getpid).values())[0]
    engine = create_engine(database)
    killed = threading.Event()

    def kill_the_victim_in_flight(body: dict) -> None:
        """Called by the teacher as each request arrives, before it answers: once the victim
        has finished a few documents, SIGKILL it while this, its call, is being served."""
        if killed.is_set() or len(teacher.requests) < 8:
            return
        document = next(d for d in DOCUMENTS if d.text in body["messages"][-1]["content"])
        with engine.connect() as connection:
            worker = connection.execute(
                select(TeacherCallRow.worker).where(TeacherCallRow.document_id == document.id)
            ).scalar_one()
        if worker.split(":")[1] == str(victim):
            killed.set()
            os.kill(victim, signal.SIGKILL)

    teacher.on_request = kill_the_victim_in_flight
    summary = annotate_on(cluster, project)
    engine.dispose()
    assert killed.is_set(), "the kill must land mid-run"
    with Store(database) as store:
        labelled = {a.document_id for a in store.annotations(kind=AnnotatorKind.TEACHER)}
    assert labelled == {d.id for d in DOCUMENTS}, "nothing lost"
    per_document = calls_per_document(teacher)
    assert sorted(per_document.values()) == [1] * 39 + [2], "only the call in flight at the kill is repeated"
    assert summary.calls == len(teacher.requests) == 41, "the summary counts every call paid"
    assert summary.annotated == 40 and summary.documents == 40
