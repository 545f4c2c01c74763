"""Prefect flows that run several stages: the nightly and weekly schedules, and `distill`,
which runs every stage in order, skipping what is done (the stage flows are in pipeline.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from prefect import flow

from flows.pipeline import (
    DocumentsFailed,
    StageFailed,
    annotate_flow,
    evaluate_flow,
    export_flow,
    ingest_flow,
    log_stage,
    promote_flow,
    review_flow,
    train_flow,
)
from flows.project import Project
from flows.run_log import recorded
from teacher.summary import RunSummary


@flow(name="distil-label")
@recorded("distil-label")
def label_flow(project: str = ".", limit: int | None = None) -> dict:
    """Nightly: annotate what is new, then sync review (push the doubtful, pull the answers)."""
    teacher = annotate_flow(project, limit)
    return {"teacher": asdict(teacher), "review": review_flow(project)}


@flow(name="distil-release")
@recorded("distil-release")
def release_flow(project: str = ".", promote: bool = False) -> dict:
    """Weekly: train on what the store holds now, evaluate, export; promotion is left to a person
    (`distil models promote`) unless `promote` is set."""
    model_id = train_flow(project)
    result = {"model_id": model_id, "evaluation": evaluate_flow(project, model_id)}
    result["export"] = export_flow(project, model_id)
    if promote:
        result["promotion"] = promote_flow(project, model_id)
    return result


@dataclass
class DistillResult:
    teacher: RunSummary
    review: dict
    model_id: str
    evaluation: dict
    export: dict
    promotion: dict | None
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage
    student_base: str = ""  # what the student trained from: "auto" settles on a hub GLiNER or minilm

    def as_dict(self) -> dict:
        return asdict(self)


class _Timer:
    """Wall seconds per stage, in the order the stages ran."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def __call__(self, stage: str, run: Callable, *args, **kwargs):
        started = time.perf_counter()
        try:
            return run(*args, **kwargs)
        finally:
            self.seconds[stage] = round(time.perf_counter() - started, 1)


def _annotate_usable(project: str, limit: int | None, timer: _Timer) -> RunSummary:
    """The teacher's run; documents failing is not the end of the pipeline while others have
    labels, but nothing labelled at all is (training would have nothing to learn)."""
    try:
        return timer("annotate", annotate_flow, project, limit)
    except DocumentsFailed as failed:
        teacher = failed.summary
        if teacher.annotated + teacher.cached == 0:
            raise StageFailed(f"annotate: no document got labels: {teacher.failure_line()}") from None
        labelled = teacher.annotated + teacher.cached
        log_stage(f"annotate: {teacher.failure_line()}; going on with the {labelled} labelled")
        return teacher


def _base_of(project: str, model_id: str) -> str:
    with Project.load(project) as opened:
        return opened.registry.get(model_id).base


@flow(name="distill")
@recorded("distill")
def distill(
    project: str = ".",
    inputs: list[str] | None = None,
    validation: list[str] | None = None,
    limit: int | None = None,
    promote: bool = True,
) -> DistillResult:
    """The whole pipeline: ingest (optional), annotate, review sync, train, evaluate, export,
    promote. Each stage skips work that is already done, so re-running is cheap and resumes
    after a failure. Review never blocks: training uses what reviewers submitted so far.
    A stage that produces nothing usable stops the run (StageFailed); documents the teacher
    failed on end it Failed after the last stage (DocumentsFailed, the result attached)."""
    timer = _Timer()
    if inputs:
        timer("ingest", ingest_flow, project, inputs)
    if validation:
        timer("ingest validation", ingest_flow, project, validation, "validation")
    teacher = _annotate_usable(project, limit, timer)
    review = timer("review", review_flow, project)
    try:
        model_id = timer("train", train_flow, project)
    except ValueError as error:  # e.g. no training documents
        raise StageFailed(f"train: {error}") from None
    evaluation = timer("evaluate", evaluate_flow, project, model_id)
    exported = timer("export", export_flow, project, model_id)
    promotion = timer("promote", promote_flow, project, model_id) if promote else None
    result = DistillResult(
        teacher, review, model_id, evaluation, exported, promotion, timer.seconds, _base_of(project, model_id)
    )
    if teacher.failed:
        raise DocumentsFailed(teacher, result)
    return result
