"""Train the student candidates on what the store holds, keep the winner, evaluate it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from corpus.guidelines import load_guidelines
from corpus.metrics import Scores
from corpus.model import Split
from corpus.registry import ModelRecord, Registry, RegistryError
from corpus.store import Store
from flows.export import register_student
from flows.review import waiting_for_review as review_state
from flows.settings import STATE_DIR, Settings
from student.backbone import OFFLINE_BACKBONE, load_base
from student.config import Candidate
from student.data import TrainingSet, build_training_set
from student.evaluate import held_out_hash, held_out_set, score_model, score_teacher
from student.report import write_report
from student.train import TrainedStudent, train_candidates


def students_dir(settings: Settings) -> Path:
    return settings.project_dir / STATE_DIR / "students"


def _training_sets(settings: Settings, store: Store) -> Callable[[Candidate], TrainingSet]:
    """A candidate's training set, as the store holds it now (see `train`)."""
    config = settings.student
    waiting_for_review, discarded = review_state(settings)
    guidelines = load_guidelines(settings.guidelines_ref)

    def data_for(candidate: Candidate) -> TrainingSet:
        return build_training_set(
            store,
            guidelines.label_names,
            guidelines.version,
            candidate.teacher_floor,
            waiting_for_review,
            config.include_waiting_for_review,
            excluded=discarded,
            dev_fraction=config.dev_fraction,
        )

    return data_for


def trained_already(settings: Settings) -> ModelRecord | None:
    """A registered model trained on exactly today's training set (nothing new to learn from)."""
    with Store(settings.store_url) as store:
        data = _training_sets(settings, store)(settings.student.candidates[0])
        records = [r for r in Registry(store).list() if r.training_set_hash == data.hash]
    return next((r for r in reversed(records) if Path(r.artifacts.get("student", "")).exists()), None)


def train(settings: Settings, progress: Callable[[str], None] = print) -> list[TrainedStudent]:
    """Train every configured candidate; return them best first. The winner is also copied to
    <project>/.distil/students/<time>-<training set hash> and registered as a candidate model.
    Documents waiting for review are left out (unless configured otherwise) and discarded ones
    always are: a run uses what reviewers submitted so far."""
    guidelines = load_guidelines(settings.guidelines_ref)
    run_dir = students_dir(settings) / "runs" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    with Store(settings.store_url) as store:
        trained = train_candidates(_training_sets(settings, store), settings.student, run_dir, progress)
    winner = trained[0]
    final = students_dir(settings) / f"{run_dir.name}-{winner.training_set_hash}"
    shutil.copytree(winner.path, final)
    winner.path = final
    winner.save()
    with Store(settings.store_url) as store:
        register_student(store, winner, guidelines.version)
    return trained


def latest_student(settings: Settings) -> Path | None:
    folders = sorted(p for p in students_dir(settings).glob("*-*") if p.is_dir() and p.name != "runs")
    return folders[-1] if folders else None


@dataclass
class Evaluation:
    results: dict[str, Scores | None]
    report: Path
    documents: int


def evaluate(settings: Settings, model_dir: Path, split: Split = Split.VALIDATION) -> Evaluation:
    from gliner import GLiNER

    student = TrainedStudent.load(model_dir)
    labels = tuple(student.labels)
    model = GLiNER.from_pretrained(str(model_dir), local_files_only=True)
    config = settings.student
    with Store(settings.store_url) as store:
        held = held_out_set(store, split, labels)
        if not held.documents:
            raise ValueError(f"no human-labelled {split} documents: distil ingest FILE --split {split}")
        results: dict[str, Scores | None] = {"teacher": score_teacher(store, held)}
    results["student"] = score_model(
        model, held, labels, student.threshold, config.max_words, config.window_overlap
    )
    if student.base != OFFLINE_BACKBONE:  # a bare encoder has no zero-shot ability to score
        base = load_base(student.base)
        results["base (zero-shot)"] = score_model(
            base, held, labels, 0.5, config.max_words, config.window_overlap
        )
    _record_evaluation(settings, model_dir.name, results, held_out_hash(held))
    report = write_report(
        model_dir / f"evaluation-{split}",
        results,
        student.threshold_curve,
        labels,
        f"Student {model_dir.name} on the {split} set ({len(held.documents)} documents)",
    )
    return Evaluation(results, report, len(held.documents))


def _record_evaluation(settings: Settings, model_id: str, results: dict, validation_hash: str) -> None:
    f1 = {name: round(scores.micro.f1, 4) for name, scores in results.items() if scores is not None}
    with Store(settings.store_url) as store:
        try:
            Registry(store).update(model_id, metrics={"evaluation": f1, "evaluated_on": validation_hash})
        except RegistryError:
            pass  # a student folder from before the registry, or copied in by hand: nothing to record


def evaluated_on(settings: Settings, model_id: str) -> str | None:
    """The held-out hash the model was last evaluated on, if any."""
    with Store(settings.store_url) as store:
        try:
            return Registry(store).get(model_id).metrics.get("evaluated_on")
        except RegistryError:
            return None
