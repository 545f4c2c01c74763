"""`distill` end to end on the session's real Prefect server, on real parts: a wikigold slice,
the local llama.cpp teacher (SmolLM2-135M: the fastest real one), a real Argilla server, real training
and ONNX Runtime. A second run makes no teacher calls; a failure injected in training keeps the
earlier stages' work, and the next run resumes from there."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import select
from typer.testing import CliRunner

from corpus.conll import read_conll
from corpus.guideline_files import load_guidelines
from corpus.model import Annotator, AnnotatorKind, Span, Split
from corpus.runs import recent_runs
from corpus.store import Store
from corpus.tables import TeacherCallRow
from export.registry import Registry
from flows import end_to_end, pipeline
from flows.cli.app import app
from flows.settings import load_settings
from review.argilla_backend import dataset_name
from tests.services.argilla import submit

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def harness(prefect_api):
    """The session's real Prefect server (one per session), as a team's PREFECT_API_URL."""
    with temporary_settings({PREFECT_API_URL: prefect_api[0]}):
        yield


@pytest.fixture
def project(tmp_path, corpora, argilla, monkeypatch):
    """40 gold sentences in the pool, 12 raw ones for the teacher, 30 held out for validation."""
    url, key = argilla
    monkeypatch.setenv("ARGILLA_API_KEY", key)
    items = [i for i in read_conll(corpora / "wikigold/wikigold.conll.txt") if i.spans][:82]
    config = f"""
[teacher]
local_model = "smollm2-135m"
local_context = 4096
guidelines_style = "brief"
samples = 1
[review]
api_url = "{url}"
budget = 4
audit_fraction = 0
[student]
max_steps = 16
eval_every = 8
[export]
f1_budget = 100.0   # tiny models: this test is about orchestration, the gate is tested in test_export
"""
    (tmp_path / "distil.toml").write_text(config, encoding="utf-8")
    (tmp_path / "raw.txt").write_text(
        "\n".join(i.document.text for i in items[40:52]) + "\n", encoding="utf-8"
    )
    with Store(load_settings(tmp_path).store_url) as store:
        gold = Annotator(AnnotatorKind.HUMAN, "gold:wikigold")
        store.add_labelled(items[:40], Split.POOL, gold)
        store.add_labelled(items[52:], Split.VALIDATION, gold)
    return tmp_path


def finished_calls(settings) -> dict[str, int]:
    """Calls paid per finished teacher-call key: a re-run must leave every one unchanged
    (failed documents are retried by design, so they are not counted here)."""
    with Store(settings.store_url) as store, store.transaction() as session:
        rows = session.execute(
            select(TeacherCallRow.key, TeacherCallRow.calls).where(TeacherCallRow.status == "done")
        )
        return dict(rows.all())


def completed(run, *args, **kwargs):
    """A flow's result, also when SmolLM2 failed on some documents: the run then ends Failed
    (DocumentsFailed) with its result attached."""
    try:
        return run(*args, **kwargs)
    except pipeline.DocumentsFailed as failed:
        assert failed.summary.failed > 0
        return failed.result if failed.result is not None else failed.summary


def unchanged(before: dict[str, int], after: dict[str, int]) -> bool:
    return all(after.get(key) == calls for key, calls in before.items())


def test_distill_runs_resumes_and_never_repeats_teacher_calls(harness, project, argilla, monkeypatch):
    settings = load_settings(project)
    labelled, first = _annotate_then_distill(project, settings)
    paid = finished_calls(settings)
    with Store(settings.store_url) as store:
        models = len(Registry(store, project).list())
        waiting = store.documents(ids=list(_queued(store, settings)))

    _review_then_fail_training(project, settings, argilla, monkeypatch, waiting[0], paid, models)

    monkeypatch.undo()
    monkeypatch.setenv("ARGILLA_API_KEY", argilla[1])
    third = completed(end_to_end.distill, str(project))
    # the reviewed document now has human labels, so the teacher is not asked about it again
    assert (third.teacher.documents, third.teacher.cached) == (11, len(paid) - 1)
    assert unchanged(paid, finished_calls(settings))
    assert third.model_id != first.model_id, "the reviewed document changed the training set: a new model"
    assert third.export["bundle"].endswith(f"{third.model_id}/bundle")
    assert third.student_base == "minilm", 'the suite runs offline: base = "auto" settled on minilm'

    # nothing new anywhere: every stage skips; this time through the command line
    fourth = CliRunner().invoke(app, ["distill", "-p", str(project)], catch_exceptions=False)
    assert fourth.exit_code == (1 if third.teacher.failed else 0), fourth.output
    assert third.model_id in fourth.output and "0 new" in fourth.output
    with Store(settings.store_url) as store:
        assert len(Registry(store, project).list()) == models + 1
    _check_run_history(settings, labelled)
    _check_artifacts()


def _annotate_then_distill(project: Path, settings):
    """The teacher alone, in batches; then a whole `distill` that finds its work cached."""
    pipeline.ingest_flow(str(project), [str(project / "raw.txt")])
    # fan-out on the local task runner: four batches (1 alone first, then 5, 5, 1), summed into one summary
    labelled = completed(pipeline.annotate_flow, str(project), batch_size=5)
    assert labelled.documents == 12, "the 40 human-labelled pool documents are not sent to the teacher"
    assert labelled.annotated + labelled.failed == 12 and labelled.calls >= 12
    paid = finished_calls(settings)
    assert len(paid) == labelled.annotated

    first = completed(end_to_end.distill, str(project), inputs=[str(project / "raw.txt")])
    assert (first.teacher.documents, first.teacher.cached) == (12, labelled.annotated), (
        "finished work is cached"
    )
    assert first.teacher.annotated + first.teacher.failed == labelled.failed, "only failures are retried"
    assert unchanged(paid, finished_calls(settings))
    assert first.review["unavailable"] is None and 1 <= first.review["pushed"] <= 4
    assert first.evaluation["student"] is not None and first.export["shipped"] in ("int8", "int8-selective")
    assert first.promotion["allowed"]
    with Store(settings.store_url) as store:
        assert Registry(store, project).production().id == first.model_id
    return labelled, first


def _review_then_fail_training(project, settings, argilla, monkeypatch, reviewed, paid, models) -> None:
    """A reviewer answers one record in Argilla; then training fails half way through the next run:
    the teacher's work and the pulled review are kept, and no model is registered."""
    url, key = argilla
    guidelines = load_guidelines(settings.guidelines_ref)
    first_word = Span(0, len(reviewed.text.split()[0]), "MISC")
    submit(url, key, dataset_name(guidelines), reviewed.id, [first_word], "annie")

    def broken(*args, **kwargs):
        raise RuntimeError("injected: the training node died")

    monkeypatch.setattr("flows.student_step.train_candidates", broken)
    with pytest.raises(RuntimeError, match="injected"):
        end_to_end.distill(str(project))
    assert unchanged(paid, finished_calls(settings)), (
        "a re-run never calls the teacher for finished documents"
    )
    with Store(settings.store_url) as store:
        human = {a.document_id: a for a in store.annotations(kind=AnnotatorKind.HUMAN)}
        assert human[reviewed.id].annotator.name == "annie", "the review pulled before the failure is kept"
        assert len(Registry(store, project).list()) == models


def _check_run_history(settings, labelled) -> None:
    """What `distil status` lists: one row per top-level flow run, newest first."""
    with Store(settings.store_url) as store:
        runs = recent_runs(store, limit=10)
    assert [r["flow"] for r in runs] == ["distill"] * 4 + ["distil-annotate", "distil-ingest"]
    assert [r["status"] for r in runs][1:] == ["completed", "failed", "completed", "completed", "completed"]
    assert "injected: the training node died" in runs[2]["error"]
    assert runs[4]["documents"] >= labelled.annotated > 0 and runs[4]["tokens"] > 0, "the teacher's work"
    assert all(r["wall_minutes"] >= 0 for r in runs) and runs[-1]["documents"] == 0


def _check_artifacts() -> None:
    """The artifacts as the UI lists them, on the harness's server."""
    api = PREFECT_API_URL.value()
    found = httpx.post(f"{api}/artifacts/filter", json={"limit": 200, "sort": "CREATED_DESC"}).json()
    keys = {a["key"] for a in found if a["key"]}  # Prefect keeps unkeyed ones of its own
    teacher_run = next(a for a in found if a["key"] == "distil-teacher-run")  # newest first
    assert "| from cache (0 tokens) |" in teacher_run["data"]
    assert keys == ARTIFACT_KEYS
    link = next(a for a in found if a["key"] == "distil-report")["data"]  # "[text](file:///...)"
    assert link.startswith("[evaluation report of ")
    report = Path(urlparse(link.split("](")[1].rstrip(")")).path)
    assert report.name == "report.html" and "<svg" in report.read_text()


ARTIFACT_KEYS = {
    "distil-teacher-run",
    "distil-review-queue",
    "distil-metrics",
    "distil-report",
    "distil-export",
    "distil-promotion",
}


def _queued(store, settings) -> set[str]:
    from review.queue import ReviewQueue

    return ReviewQueue(store, load_guidelines(settings.guidelines_ref).version).waiting()
