"""Train the student candidates on what the store holds, keep the winner, evaluate it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from corpus.metrics import Scores
from corpus.model import Split
from export.registry import ModelRecord, ModelStatus, Registry, RegistryError
from flows.project import Project
from flows.review_step import waiting_for_review as review_state
from flows.settings import STATE_DIR, Settings
from student import prompts as label_prompts
from student.config import Candidate
from student.data import TrainingSet, build_training_set
from student.evaluate import held_out_hash, score_side_by_side
from student.html_report import ReportData, error_examples, write_html
from student.report import write_report
from student.teacher_negatives import fewer_negatives_advice
from student.thresholds import ThresholdSweep
from student.train import META_FILE, TrainedStudent, train_candidates


def register_student(registry: Registry, student: TrainedStudent, guidelines_version: str) -> ModelRecord:
    """A newly trained student into the registry, as a candidate."""
    record = ModelRecord(
        id=student.path.name,
        base=student.base,
        training_set_hash=student.training_set_hash,
        guidelines_version=guidelines_version,
        labels=list(student.labels),
        threshold=student.threshold,
        label_thresholds=dict(student.label_thresholds),
        metrics={"dev_f1": student.dev_f1, "training_counts": student.counts, "device": student.device},
        artifacts={"student": str(student.path)},
        status=ModelStatus.CANDIDATE,
    )
    return registry.register(record)


def registered(registry: Registry, student: TrainedStudent, guidelines_version: str) -> ModelRecord:
    """The student's registry record; registered now when training did not (a folder copied in)."""
    try:
        return registry.get(student.path.name)
    except RegistryError:
        return register_student(registry, student, guidelines_version)


def students_dir(settings: Settings) -> Path:
    return settings.project_dir / STATE_DIR / "students"


def _training_sets(project: Project) -> Callable[[Candidate], TrainingSet]:
    """A candidate's training set, as the store holds it now (see `train`)."""
    config, guidelines = project.settings.student, project.guidelines
    waiting_for_review, discarded = review_state(project)

    asked = label_prompts.from_guidelines(guidelines, config.label_prompts)

    def data_for(candidate: Candidate) -> TrainingSet:
        data = build_training_set(
            project.store,
            guidelines.label_names,
            guidelines.version,
            candidate.teacher_floor,
            waiting_for_review,
            config.include_waiting_for_review,
            excluded=discarded,
            dev_fraction=config.dev_fraction,
        )
        data.prompts = asked
        return data

    return data_for


def trained_already(project: Project) -> ModelRecord | None:
    """A registered model trained on exactly today's training set, label prompts and student
    settings (nothing new to learn from, nothing to learn differently)."""
    data = _training_sets(project)(project.settings.student.candidates[0])
    recipe = project.settings.student.recipe_hash()
    for record in reversed([r for r in project.registry.list() if r.training_set_hash == data.hash]):
        folder = Path(record.artifacts.get("student", ""))
        # a student from before the recipe was kept ("") counts as today's: an upgrade alone
        # does not retrain
        if not (folder / META_FILE).exists() or not _asked_alike(folder, data):
            continue
        if TrainedStudent.load(folder).recipe_hash in ("", recipe):
            return record
    return None


def _asked_alike(folder: Path, data: TrainingSet) -> bool:
    """Whether the student was asked for today's labels in today's words: a label retitled in the
    guidelines changes what the student reads, not the training set's hash."""
    saved = label_prompts.of_folder(folder)
    return all(saved.get(label, label) == data.prompts.get(label, label) for label in data.labels)


def train(project: Project, progress: Callable[[str], None] = print) -> list[TrainedStudent]:
    """Train every configured candidate; return them winner first. The winner is also copied to
    <project>/.distil/students/<time>-<training set hash> and registered as a candidate model.
    Documents waiting for review are left out (unless configured otherwise) and discarded ones
    always are: a run uses what reviewers submitted so far."""
    settings = project.settings
    run_dir = students_dir(settings) / "runs" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    trained = train_candidates(_training_sets(project), settings.student, run_dir, progress)
    winner = trained[0]
    final = students_dir(settings) / f"{run_dir.name}-{winner.training_set_hash}"
    shutil.copytree(winner.path, final)
    winner.path = final
    winner.save()
    register_student(project.registry, winner, project.guidelines.version)
    return trained


def latest_student(settings: Settings) -> Path | None:
    folders = sorted(p for p in students_dir(settings).glob("*-*") if p.is_dir() and p.name != "runs")
    return folders[-1] if folders else None


@dataclass
class Evaluation:
    results: dict[str, Scores | None]
    report: Path  # report.md
    documents: int
    html: Path | None = None  # report.html: the same and more, in one file
    thresholds: ThresholdSweep | None = None  # the student's threshold and its F1 at each, dev and held out
    advice: str | None = None  # what the scores suggest changing, in one line


def evaluate(project: Project, model_dir: Path, split: Split = Split.VALIDATION) -> Evaluation:
    """Score the student beside production, the teacher's labels and the base model; record the
    student's F1s in the registry and write the reports (markdown and HTML) next to the model."""
    student = TrainedStudent.load(model_dir)
    results, held, predicted, held_curve = score_side_by_side(
        project.store, model_dir, student, split, project.settings.student
    )
    results = _with_production(project, results, held, student, model_dir.name)
    _record_evaluation(project, model_dir.name, results, held_out_hash(held))
    title = f"Student {model_dir.name} on the {split} set ({len(held.documents)} documents)"
    out = model_dir / f"evaluation-{split}"
    sweep = ThresholdSweep(student.threshold, student.threshold_curve, held_curve, student.label_thresholds)
    teacher = results.get("teacher")
    recall = teacher.micro.recall if teacher else None
    advice = fewer_negatives_advice(recall, student.candidate, student.counts)
    report = write_report(out, results, sweep, tuple(student.labels), title, advice)
    data = ReportData(
        title, tuple(student.labels), results, student.log, sweep,
        error_examples(held.texts, held.gold, predicted), advice,
    )  # fmt: skip
    return Evaluation(results, report, len(held.documents), write_html(out, data), sweep, advice)


def _with_production(project: Project, results: dict, held, student: TrainedStudent, model_id: str) -> dict:
    """Production's bundle scored on the same documents, beside the student, when it is another
    model for the same labels."""
    from flows.export_step import score_bundle

    production = project.registry.production()
    bundle = production.artifacts.get("bundle") if production else None
    first = {"student": results["student"]}  # the model under evaluation, then what it is compared with
    if not production or production.id == model_id or not bundle or not Path(bundle).exists():
        return first | results
    if set(production.labels) != set(student.labels):
        return first | results  # another label set: its scores would not compare
    scored = score_bundle(Path(bundle), held, project.settings)
    return first | {f"production ({production.id})": scored} | results


def _record_evaluation(project: Project, model_id: str, results: dict, validation_hash: str) -> None:
    f1 = {name: round(scores.micro.f1, 4) for name, scores in results.items() if scores is not None}
    try:
        project.registry.update(model_id, metrics={"evaluation": f1, "evaluated_on": validation_hash})
    except RegistryError:
        pass  # a student folder from before the registry, or copied in by hand: nothing to record


def evaluated_on(project: Project, model_id: str) -> str | None:
    """The held-out hash the model was last evaluated on, if any."""
    try:
        return project.registry.get(model_id).metrics.get("evaluated_on")
    except RegistryError:
        return None
