"""`distil status` shows what a team checks each morning, from a store written by distil's own
stages (the teacher's ledger, the review queue, the registry): documents by split and source,
labels by state, failures grouped by reason, the review queue with its age, models with F1, the
teacher's work per day, and the next command."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from corpus.model import Annotation, AnnotationStatus, Annotator, AnnotatorKind, Span
from export.registry import ModelRecord, ModelStatus
from flows.cli.app import app
from flows.project import Project
from flows.settings import load_settings
from flows.status_report import next_step
from review.policy import ReviewPolicy
from review.queue import ReviewQueue
from teacher.ledger import CallKey, CallLedger

runner = CliRunner()
RAW = ["Ada Lovelace lived in London.", "Charles Babbage built engines.", "Bob met Alice.", "Eve left Paris."]


def distil(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def project(tmp_path, corpora, monkeypatch):
    monkeypatch.delenv("DISTIL_DATABASE_URL", raising=False)
    root = tmp_path / "proj"
    assert distil("init", root, "--guidelines", "general").exit_code == 0
    (tmp_path / "raw.txt").write_text("\n".join(RAW) + "\n", encoding="utf-8")
    gold = tmp_path / "gold.conll"
    gold.write_text("\n".join((corpora / "wikigold/wikigold.conll.txt").read_text().splitlines()[:60]) + "\n")
    assert distil("ingest", tmp_path / "raw.txt", "-p", root).exit_code == 0
    assert distil("ingest", gold, "--split", "validation", "-p", root).exit_code == 0
    return root


def _teacher_work(root) -> None:
    """Two documents labelled (one doubtful), two failed for the same reason on different spans."""
    with Project(load_settings(root)) as project:
        store, version = project.store, project.guidelines.version
        ids = {d.text: d.id for d in store.documents()}
        ledger, teacher = CallLedger(store), Annotator(AnnotatorKind.TEACHER, "qwen")
        for text, confidence in ((RAW[0], 0.3), (RAW[1], 0.95)):
            call = CallKey("qwen", version, "p1", "t0", ids[text])
            ledger.claim(call)
            spans = [Span(0, 12, "PER")] if text == RAW[0] else []
            annotation = Annotation(ids[text], teacher, spans, version, confidence=confidence)
            ledger.finish(call, {}, 100, 20, 1, 0.001, annotation)
        for text, name in ((RAW[2], "Bob"), (RAW[3], "Eve")):
            call = CallKey("qwen", version, "p1", "t0", ids[text])
            ledger.claim(call)
            reason = f"span '{name}' is not in the document"
            failed = Annotation(ids[text], teacher, [], version, status=AnnotationStatus.FAILED, error=reason)
            ledger.fail(call, reason, 50, 10, 1, 0.0005, failed)
        ReviewQueue(store, version).route_new(ReviewPolicy(threshold=0.8, budget=None, audit_fraction=0.0))


def test_status_json_holds_every_part_of_the_overview(project):
    _teacher_work(project)
    result = distil("status", "--json", "-p", project)
    assert result.exit_code == 0, result.output
    state = json.loads(result.output)
    raw = str(project.parent / "raw.txt")  # as ingested: raw text keeps its path, gold its file name
    assert state["documents"]["pool"] == {"documents": 4, "sources": {raw: 4}}
    validation = state["documents"]["validation"]
    assert validation["sources"] == {"gold.conll": validation["documents"]}
    assert state["annotations"]["teacher (ok)"] == 2 and state["annotations"]["teacher (failed)"] == 2
    (failure,) = state["failures"]  # 'Bob' and 'Eve': one reason, two documents
    assert failure["documents"] == 2 and "is not in the document" in failure["reason"]
    review = state["review"]  # the doubtful one and the two failed go to people; the sure one stands
    assert review["queued"]["documents"] == 3 and review["accepted"]["documents"] == 1
    assert 0 <= review["queued"]["oldest_hours"] < 1
    (day,) = state["teacher_days"]
    assert (day["documents"], day["calls"], day["tokens"]) == (4, 4, 2 * 120 + 2 * 60)
    assert day["cost_usd"] == pytest.approx(0.003)
    assert state["models"] == [] and state["production"] is None
    assert state["next"].startswith("distil annotate: 2 pool documents") and "2 failed" in state["next"]
    assert state["pool_unlabelled"] == 0  # all four were tried; two failed
    assert state["guidelines"]["labels"] == ["PER", "ORG", "LOC", "MISC"]


def test_status_tables_for_people(project, monkeypatch):
    from flows.cli.common import console

    monkeypatch.setattr(console, "width", 200)  # wide enough that no cell wraps
    _teacher_work(project)
    result = distil("status", "-p", project)
    assert result.exit_code == 0, result.output
    for title in ("Documents", "Annotations", "Failures by reason", "Review queue", "Teacher work"):
        assert title in result.output
    assert f"{project.parent / 'raw.txt'} (4)" in result.output and "production: none" in result.output
    assert "span 'Bob' is not in the document" in result.output  # the reason, with one example
    assert "next: distil annotate" in result.output


def _state(**changes) -> dict:
    state = {
        "documents": {"pool": {}, "validation": {}},
        "pool_unlabelled": 0,
        "failures": [],
        "review": {},
    }
    return {**state, **changes}


def _model(status=ModelStatus.CANDIDATE, bundle=True) -> ModelRecord:
    artifacts = {"bundle": "bundle"} if bundle else {}
    return ModelRecord("m2", "minilm", "h", "v", ["PER"], 0.5, {}, artifacts, status)


@pytest.mark.parametrize(
    ("state", "records", "command"),
    [
        (_state(documents={}), [], "distil ingest FILES"),
        (_state(documents={"pool": {}}), [], "distil ingest GOLD --split validation"),
        (_state(review={"queued": {"documents": 3}}), [], "distil review push"),
        (_state(review={"pushed": {"documents": 3}}), [], "distil review pull"),
        (_state(), [], "distil train"),
        (_state(), [_model(bundle=False)], "distil export m2"),
        (_state(), [_model()], "distil models promote m2"),
        (_state(), [_model(ModelStatus.PRODUCTION)], "nothing waits"),
    ],
)
def test_the_next_command_follows_the_pipeline(state, records, command):
    assert next_step(state, records).startswith(command)


def test_gold_in_the_pool_needs_no_teacher(tmp_path, corpora, monkeypatch):
    monkeypatch.delenv("DISTIL_DATABASE_URL", raising=False)
    root = tmp_path / "gold-only"
    assert distil("init", root, "--guidelines", "general").exit_code == 0
    lines = (corpora / "wikigold/wikigold.conll.txt").read_text().splitlines()
    (tmp_path / "train.conll").write_text("\n".join(lines[:600]) + "\n")
    (tmp_path / "dev.conll").write_text("\n".join(lines[600:900]) + "\n")
    assert distil("ingest", tmp_path / "train.conll", "--split", "train", "-p", root).exit_code == 0
    assert distil("ingest", tmp_path / "dev.conll", "--split", "validation", "-p", root).exit_code == 0
    state = json.loads(distil("status", "--json", "-p", root).output)
    assert state["pool_unlabelled"] == 0 and state["documents"]["pool"]["documents"] > 10
    assert state["next"].startswith("distil train")


def test_each_top_level_run_is_logged_with_how_it_ended(project):
    """A flow run (here the decorator on plain functions; the real flows in test_pipeline) writes
    one row; the flows it calls belong to it; a failure keeps its reason."""
    from flows.run_log import recorded

    @recorded("inner")
    def inner(project: str) -> str:
        return "done"

    @recorded("outer")
    def outer(project: str) -> str:
        return inner(project)

    @recorded("broken")
    def broken(project: str = ".") -> None:
        raise RuntimeError("the GPU node went away")

    assert outer(str(project)) == "done"
    with pytest.raises(RuntimeError):
        broken(project=str(project))
    state = json.loads(distil("status", "--json", "-p", project).output)
    assert [(r["flow"], r["status"]) for r in state["runs"]] == [("broken", "failed"), ("outer", "completed")]
    assert state["runs"][0]["error"] == "RuntimeError: the GPU node went away"
    assert "Recent runs" in distil("status", "-p", project).output
