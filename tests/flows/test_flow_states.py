"""Prefect run states tell the truth: a teacher run with failed documents ends Failed (saying how
many and why), a stopped teacher is not retried by Prefect, and `distill` stops at the stage
that produced nothing usable, in one line."""

from __future__ import annotations

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows import end_to_end, pipeline
from flows.pipeline import StageFailed
from flows.settings import config_template
from teacher.scripted_server import FakeOpenAI

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def harness(prefect_api):
    """The session's real Prefect server (one per session), as a team's PREFECT_API_URL."""
    with temporary_settings({PREFECT_API_URL: prefect_api[0]}):
        yield


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "distil.toml").write_text(config_template("general"), encoding="utf-8")
    (tmp_path / "raw.txt").write_text(
        "".join(f"Flow doc {i} is about Paris.\n" for i in range(6)), encoding="utf-8"
    )
    monkeypatch.setenv("DISTIL_TEACHER__MODEL", "fake-teacher")
    monkeypatch.setenv("DISTIL_TEACHER__SAMPLES", "1")
    monkeypatch.setenv("DISTIL_TEACHER__FEW_SHOT", "0")
    monkeypatch.delenv("DISTIL_DATABASE_URL", raising=False)
    pipeline.ingest_flow(str(tmp_path), [str(tmp_path / "raw.txt")])
    return tmp_path


@pytest.fixture
def fake(monkeypatch):
    server = FakeOpenAI(answers={"Flow doc": [{"text": "Paris", "label": "LOC", "occurrence": 1}]})
    url = server.start()
    monkeypatch.setenv("DISTIL_TEACHER__BASE_URL", url)
    yield server
    server.stop()


def test_failed_documents_end_the_flow_run_failed(harness, project, fake):
    fake.script = {f"Flow doc {i} ": [{"arguments": "not json"}] * 10 for i in (2, 4)}
    state = pipeline.annotate_flow(str(project), return_state=True)
    assert state.is_failed()
    assert "2 of 6 documents failed: 2 x malformed output" in state.message
    with pytest.raises(pipeline.DocumentsFailed) as failed:
        state.result()
    assert (failed.value.summary.annotated, failed.value.summary.failed) == (4, 2)

    fake.script = {}
    again = pipeline.annotate_flow(str(project), return_state=True)
    assert again.is_completed(), "the next run retries the failed documents"
    assert (again.result().cached, again.result().annotated) == (4, 2)


def test_a_stopped_teacher_is_not_retried_by_prefect(harness, project, fake):
    fake.script = {"Flow doc": [{"status": 401, "message": "Incorrect API key"}] * 50}
    state = pipeline.annotate_flow(str(project), batch_size=2, return_state=True)
    assert state.is_failed() and "refused the API key" in state.message
    assert len(fake.requests) == 1, "one call: no Prefect retry, no other batch started"


def test_distill_stops_at_the_stage_that_produced_nothing_usable(harness, project, fake):
    fake.script = {"Flow doc": [{"arguments": "not json"}] * 100}
    with pytest.raises(StageFailed, match=r"^annotate: no document got labels: 6 of 6 documents failed"):
        end_to_end.distill(str(project))
