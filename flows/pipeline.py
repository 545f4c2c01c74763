"""Prefect 3 flows: one per stage, and `distill`, which runs them in order and skips what is done.

Every flow takes the project folder (settings come from its distil.toml and
the environment, so secrets never become flow parameters) and reads and
writes the store, the source of truth: task results are not persisted, and a
re-run finds finished work there (teacher calls cached by the ledger, models
in the registry). Without PREFECT_API_URL the flows run in-process on
Prefect's ephemeral API.

Annotation fans out in batches, one task each, run by the flow's task runner:
threads by default (`batches_in_flight` at once, each with the teacher's own
`concurrency`); a Dask or Ray runner from prefect-dask / prefect-ray runs the
same flow on a cluster: `annotate_flow.with_options(task_runner=DaskTaskRunner(address=...))`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from corpus.errors import InputError
from corpus.ingest import IngestReport, ingest_labelled, ingest_raw
from corpus.model import Split
from export.bundle import verify_bundle
from export.registry import ModelRecord, ModelStatus
from flows import artifacts
from flows.export_step import export_model, promote
from flows.project import Project
from flows.review_step import status, sync
from flows.run_log import recorded
from flows.student_step import evaluate, evaluated_on, latest_student, students_dir, train, trained_already
from flows.teacher_step import (
    annotate_ids,
    ensemble_message,
    ids_of,
    paid_for,
    settle,
    teacher_target,
    unfinished,
)
from student.evaluate import held_out_hash, held_out_set
from teacher.breaker import TeacherHalted
from teacher.summary import RunSummary

TASK = {"cache_policy": NO_CACHE, "persist_result": False}  # the store is the record, not Prefect


class StageFailed(RuntimeError):
    """A stage produced nothing the next one can use: the run stops there, saying why."""


class DocumentsFailed(RuntimeError):
    """The teacher failed on some documents (kept with their reasons; the next run retries
    them): the flow run ends Failed, and `summary` says what was done."""

    def __init__(self, summary: RunSummary, result=None):
        super().__init__(summary.failure_line() + "; the next run retries them")
        self.summary = summary
        self.result = result  # distill's DistillResult, when every stage ran


def _retry_unless(*final: type[BaseException]):
    """A Prefect retry condition: retry what crashed, but not failures a retry cannot mend (bad
    input; a teacher the circuit breaker stopped, which would only be called again)."""

    def retry(task, task_run, state) -> bool:
        return not isinstance(state.result(raise_on_failure=False), final)

    return retry


# In-process listeners (the CLI's progress display); Prefect's logs are the record.
_listeners: list[Callable[[str], None]] = []
_document_listeners: list[Callable[[], None]] = []


def listen(on_message: Callable[[str], None], on_document: Callable[[], None] | None = None) -> None:
    _listeners.append(on_message)
    if on_document:
        _document_listeners.append(on_document)


def log_stage(message: str) -> None:
    get_run_logger().info(message)
    for listener in _listeners:
        listener(message)


def _document_done() -> None:
    for listener in _document_listeners:
        listener()


# -- ingest ---------------------------------------------------------------------------


@task(
    retries=2, retry_delay_seconds=5, retry_condition_fn=_retry_unless(InputError, FileNotFoundError), **TASK
)
def ingest_task(project: str, paths: list[str], split: str | None = None) -> dict:
    """Raw files into the pool, or human-labelled files into `split`. Idempotent: the store keys
    documents on their text, so a retry or a re-run adds nothing twice."""
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(f"no such file or folder: {', '.join(missing)}")
    with Project.load(project) as opened:
        if split is None:
            report = ingest_raw(opened.store, [Path(p) for p in paths])
        else:
            labels = opened.guidelines.label_names  # gold is checked against them
            report = IngestReport()
            for path in paths:
                report.merge(
                    ingest_labelled(opened.store, Path(path), Split(split), annotator="gold", labels=labels)
                )
    return {"read": report.read, "added": report.added, "duplicates": report.duplicates}


@flow(name="distil-ingest")
@recorded("distil-ingest")
def ingest_flow(project: str = ".", paths: list[str] | None = None, split: str | None = None) -> dict:
    """Add files to the store: raw text to the pool, or (with `split`) human-labelled documents."""
    report = ingest_task(project, paths or [], split)
    log_stage(f"ingest into {split or 'pool'}: " + ", ".join(f"{k} {v}" for k, v in report.items()))
    return report


# -- annotate -------------------------------------------------------------------------


@task(
    retries=2, retry_delay_seconds=10, retry_condition_fn=_retry_unless(TeacherHalted),
    task_run_name="annotate {first_id}+", **TASK,
)  # fmt: skip
def annotate_batch(project: str, ids: list[str], base_url: str, model: str, first_id: str = "") -> RunSummary:
    """One batch of documents through the teacher. Idempotent: the call ledger claims each
    document, so a retry only pays for what did not finish."""
    with Project.load(project) as opened:
        return annotate_ids(opened, ids, base_url, model, on_document=_document_done)


@flow(name="distil-annotate", task_runner=ThreadPoolTaskRunner(max_workers=2))
@recorded("distil-annotate")
def annotate_flow(
    project: str = ".", limit: int | None = None, batch_size: int = 200, split: str = "pool"
) -> RunSummary:
    """Label the pool (or a held-out split, to score the teacher) with the teacher LLM. Ends
    Failed when any document failed (they are retried by the next run) or the teacher was
    stopped (wrong key, unknown model, server gone)."""
    with Project.load(project) as opened:
        ids = ids_of(opened.store, Split(split), limit)
        if message := ensemble_message(opened):
            log_stage(message)
        left = unfinished(opened, ids)
        settings = opened.settings
        paid_before = paid_for(opened, ids)
    # the first batch is one document, done before the others start: a wrong key or a dead
    # endpoint then costs one call, not one per batch in flight
    batches = [ids[:1]] + [ids[i : i + batch_size] for i in range(1, len(ids), batch_size)] if ids else []
    log_stage(f"annotate: {len(ids)} {split} documents in {len(batches)} batches")
    if not left:  # all cached: no teacher (nor local server) needed
        log_stage(f"teacher: all {len(ids)} documents already annotated; skipped")
        total = RunSummary(documents=len(ids), cached=len(ids))
        create_markdown_artifact(artifacts.run_summary(total, 0), key="distil-teacher-run")
        return total
    total = RunSummary()
    with teacher_target(settings, log_stage) as (base_url, model):
        total.merge(annotate_batch(project, batches[0], base_url, model, batches[0][0][:12]))
        futures = [annotate_batch.submit(project, b, base_url, model, b[0][:12]) for b in batches[1:]]
        for future in futures:
            total.merge(future.result())
    with Project.load(project) as opened:
        settle(total, opened, ids, len(left), paid_before)
    log_stage(f"teacher: {total.annotated} annotated, {total.cached} from cache, {total.failed} failed")
    create_markdown_artifact(artifacts.run_summary(total, len(batches)), key="distil-teacher-run")
    if total.failed:
        raise DocumentsFailed(total)
    return total


# -- review ---------------------------------------------------------------------------


@task(retries=2, retry_delay_seconds=10, **TASK)
def review_sync_task(project: str, push: bool = True, pull: bool = True) -> dict:
    """Route new annotations, pull answers, push what waits. Never fails on Argilla being down:
    the items stay queued and the next run catches up."""
    with Project.load(project) as opened:
        report = sync(opened, do_push=push, do_pull=pull)
        counts, _ = status(opened)
    return {
        "routed": len(report.routed),
        "pushed": report.pushed.pushed if report.pushed else 0,
        "pulled": report.pulled.submitted if report.pulled else 0,
        "discarded": report.pulled.discarded if report.pulled else 0,
        "repaired": report.pulled.repaired if report.pulled else [],
        "unavailable": report.unavailable,
        "queue": counts,
    }


@flow(name="distil-review")
@recorded("distil-review")
def review_flow(project: str = ".", push: bool = True, pull: bool = True) -> dict:
    """Sync the review queue with Argilla (push, pull, or both)."""
    result = review_sync_task(project, push, pull)
    if result["unavailable"]:
        log_stage(f"review: {result['unavailable']}")
    for repair in result["repaired"]:
        log_stage(f"review: reviewer span repaired: {repair}")
    create_markdown_artifact(
        artifacts.review_queue(result["queue"], result["unavailable"]), key="distil-review-queue"
    )
    return result


# -- train, evaluate, export, promote -------------------------------------------------


@task(**TASK)
def train_task(project: str) -> str:
    with Project.load(project) as opened:
        return train(opened, progress=log_stage)[0].path.name


@flow(name="distil-train")
@recorded("distil-train")
def train_flow(project: str = ".", force: bool = False) -> str:
    """Train the student candidates; skipped when a model was already trained on exactly this
    training set with these student settings (unless `force`). Returns the winner's model id."""
    with Project.load(project) as opened:
        done = None if force else trained_already(opened)
    if done:
        log_stage(
            f"train: {done.id} was trained on this exact training set ({done.training_set_hash}) with "
            "these student settings; skipped"
        )
        return done.id
    log_stage("train: training the student candidates")
    return train_task(project)


@task(**TASK)
def evaluate_task(project: str, model_id: str) -> dict:
    with Project.load(project) as opened:
        evaluation = evaluate(opened, students_dir(opened.settings) / model_id, Split.VALIDATION)
    if evaluation.advice:
        log_stage(f"evaluate: {evaluation.advice}")
    create_markdown_artifact(
        artifacts.metrics(evaluation.results, evaluation.documents, model_id), key="distil-metrics"
    )
    # the full report is a file where the flow ran: a link to it, as the worker sees it
    create_link_artifact(
        evaluation.html.resolve().as_uri(), f"evaluation report of {model_id}", key="distil-report"
    )
    return {name: (s.micro.f1 if s else None) for name, s in evaluation.results.items()}


@flow(name="distil-evaluate")
@recorded("distil-evaluate")
def evaluate_flow(project: str = ".", model_id: str | None = None) -> dict:
    """Score student, teacher and base side by side on the human validation set."""
    with Project.load(project) as opened:
        model_id = model_id or latest_student(opened.settings).name
        if evaluated_on(opened, model_id) == _validation_hash(opened):
            log_stage(f"evaluate: {model_id} was already evaluated on this validation set; skipped")
            return _registered(opened, model_id).metrics.get("evaluation", {})
    log_stage(f"evaluate: scoring {model_id} on the validation set")
    return evaluate_task(project, model_id)


@task(retries=1, retry_delay_seconds=5, **TASK)
def export_task(project: str, model_id: str) -> dict:
    with Project.load(project) as opened:
        result = export_model(opened, students_dir(opened.settings) / model_id, progress=log_stage)
    create_markdown_artifact(
        artifacts.export_gate(model_id, result.gate, str(result.bundle)), key="distil-export"
    )
    return {"bundle": str(result.bundle), **result.gate.as_dict()}


@flow(name="distil-export")
@recorded("distil-export")
def export_flow(project: str = ".", model_id: str | None = None) -> dict:
    """ONNX + INT8 behind the accuracy gate, into a bundle; skipped when the model's bundle is
    intact and was gated on this validation set."""
    with Project.load(project) as opened:
        model_id = model_id or latest_student(opened.settings).name
        record = _registered(opened, model_id)
        same_set = record.artifacts.get("validation_hash") == _validation_hash(opened)
    bundle = record.artifacts.get("bundle")
    if bundle and Path(bundle).exists() and same_set and not verify_bundle(Path(bundle)):
        log_stage(f"export: {model_id} already has an intact bundle gated on this validation set; skipped")
        return {"bundle": bundle, "shipped": record.artifacts.get("format"), "skipped": True}
    log_stage(f"export: ONNX and INT8 for {model_id}")
    return export_task(project, model_id)


@task(**TASK)
def promote_task(project: str, model_id: str, force: bool = False, reason: str = "") -> dict:
    with Project.load(project) as opened:
        decision = promote(opened, model_id, force=force, reason=reason)
    create_markdown_artifact(artifacts.promotion(model_id, decision, force), key="distil-promotion")
    return decision.as_dict()


@flow(name="distil-promote")
@recorded("distil-promote")
def promote_flow(
    project: str = ".", model_id: str | None = None, force: bool = False, reason: str = ""
) -> dict:
    """Promote the model if it beats production on today's validation set (and passed the INT8 gate)."""
    with Project.load(project) as opened:
        model_id = model_id or latest_student(opened.settings).name
        in_production = _registered(opened, model_id).status == ModelStatus.PRODUCTION
    if in_production:
        log_stage(f"promote: {model_id} is already in production; skipped")
        return {"allowed": True, "reasons": ["already in production"], "skipped": True}
    return promote_task(project, model_id, force, reason)


def _registered(project: Project, model_id: str) -> ModelRecord:
    return project.registry.get(model_id)


def _validation_hash(project: Project) -> str:
    return held_out_hash(held_out_set(project.store, Split.VALIDATION))
