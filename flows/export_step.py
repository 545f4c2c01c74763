"""Export, promote, roll back: the export stage wired to the store, the registry and the student.

Bundles live at <project>/.distil/models/<model id>/bundle; the production
path (a symlink, switched atomically) points at the promoted one.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corpus.metrics import Scores
from corpus.model import AnnotatorKind, Split
from export.bundle import read_meta, verify_bundle, write_bundle
from export.card import render_card
from export.gate import GateDecision, run_gate
from export.latency import measure_latency
from export.metadata import ModelFacts, bundle_meta, bundle_metrics
from export.onnx import export_fp32, load_onnx
from export.promotion import PromotionDecision, decide, point_production
from export.registry import ROLLED_BACK, ModelRecord, Registry, RegistryError
from flows.project import Project
from flows.settings import STATE_DIR, Settings
from flows.student_step import registered
from student.backbone import public_name
from student.evaluate import HeldOut, held_out_hash, held_out_set, score_model
from student.train import TrainedStudent


def models_dir(settings: Settings) -> Path:
    return settings.project_dir / STATE_DIR / "models"


def production_path(settings: Settings) -> Path:
    configured = settings.export.production_path
    return Path(configured).expanduser() if configured else models_dir(settings) / "production"


@dataclass
class ExportResult:
    model: ModelRecord
    bundle: Path
    gate: GateDecision
    pytorch_f1: float
    held_out_documents: int


def export_model(
    project: Project, student_dir: Path, progress: Callable[[str], None] = print
) -> ExportResult:
    """ONNX FP32 -> INT8 gate -> bundle, scored on the human validation set; the registry records
    the bundle (registering the student first only if training did not, e.g. a copied folder)."""
    settings, store, guidelines = project.settings, project.store, project.guidelines
    student = TrainedStudent.load(student_dir)
    record = registered(project.registry, student, guidelines.version)
    held = held_out_set(store, Split.VALIDATION, tuple(student.labels))
    teachers = store.annotator_names(AnnotatorKind.TEACHER)
    if not held.documents:
        raise ValueError(
            "no human-labelled validation documents to gate on: distil ingest FILE --split validation"
        )
    if record.guidelines_version != guidelines.version:
        progress(
            f"warning: {record.id} was trained under guidelines {record.guidelines_version}; the bundle's "
            f"snapshot is today's version {guidelines.version}"
        )
    facts = _facts(record.id, student, settings)
    target = models_dir(settings) / record.id
    work = target / "work"
    shutil.rmtree(work, ignore_errors=True)
    gate, scores, pytorch_f1 = _gate(student_dir, facts, held, work, settings, progress)
    shipped = gate.result(gate.shipped)
    latency = measure_latency(load_onnx(work, shipped.file), held.texts, facts.labels)
    meta = bundle_meta(facts, gate, teachers, guidelines, record.guidelines_version, latency)
    metrics = bundle_metrics(scores, gate, len(held.documents), student.dev_f1)
    bundle = write_bundle(
        target / "bundle", work, shipped.file, meta, ("guidelines.md", guidelines.source), metrics,
        render_card(meta, metrics),
    )  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)
    record = _record_export(project.registry, record.id, bundle, gate, scores, held_out_hash(held))
    return ExportResult(record, bundle, gate, pytorch_f1, len(held.documents))


def _facts(model_id: str, student: TrainedStudent, settings: Settings) -> ModelFacts:
    config = settings.student
    training = {
        "steps": student.steps,
        "best_step": student.best_step,
        "batch_size": config.batch_size,
        "learning_rate": student.candidate.get("learning_rate"),
        "head_learning_rate": student.candidate.get("head_learning_rate"),
        "frozen_layers": student.candidate.get("frozen_layers", 0),
        "max_width": config.max_width,
        "kept_labels": student.candidate.get("keep_labels") or [],
        "kept_spans": student.counts.get("kept-label spans", 0),
        "label_prompts": dict(student.label_prompts),
        "seconds": round(student.seconds),
        "device": student.device,
    }
    return ModelFacts(
        model_id, tuple(student.labels), student.threshold, config.max_words, config.window_overlap,
        public_name(student.base), student.training_set_hash, student.counts, student.dev_f1, training,
        dict(student.label_thresholds),
    )  # fmt: skip


def _gate(student_dir: Path, facts: ModelFacts, held: HeldOut, work: Path, settings: Settings, progress):
    """FP32 ONNX, then INT8 behind the gate; every format scored on the same held-out set."""
    from gliner import GLiNER

    scores: dict[str, Scores] = {}

    def f1_of(model, name: str) -> float:
        scores[name] = score_model(
            model, held, facts.labels, facts.threshold, facts.max_words, facts.window_overlap,
            by_label=facts.label_thresholds,
        )  # fmt: skip
        return scores[name].micro.f1

    model = GLiNER.from_pretrained(str(student_dir), local_files_only=True)
    pytorch_f1 = f1_of(model, "pytorch")
    progress(f"PyTorch FP32: F1 {pytorch_f1:.4f} on {len(held.documents)} validation documents")
    export_fp32(model, work, facts.base)
    del model
    gate = run_gate(work, f1_of, settings.export.f1_budget, settings.export.quantize, progress)
    return gate, scores, pytorch_f1


def _record_export(registry: Registry, model_id: str, bundle: Path, gate, scores, validation_hash: str):
    registry.update(
        model_id,
        metrics={
            "validation_f1": scores[gate.shipped].micro.f1,
            "formats": {n: s.micro.f1 for n, s in scores.items()},
        },
        artifacts={
            "bundle": str(bundle),
            "format": gate.shipped,
            "passed_int8": gate.passed_int8,
            "bundle_bytes": gate.result(gate.shipped).size_bytes,
            "validation_hash": validation_hash,
        },
        action="exported",
        reason=gate.reason,
        details=gate.as_dict(),
    )
    return registry.get(model_id)


def score_bundle(bundle: Path, held: HeldOut, settings: Settings) -> Scores:
    problems = verify_bundle(bundle)
    if problems:
        raise ValueError(f"bundle {bundle} is damaged:\n" + "\n".join(problems))
    meta = read_meta(bundle)
    model = load_onnx(bundle)
    return score_model(
        model, held, meta["labels"], meta["threshold"], meta["max_words"], meta["window_overlap"],
        by_label=meta.get("label_thresholds"),
    )  # fmt: skip


def _bundle_of(record: ModelRecord) -> Path:
    bundle = record.artifacts.get("bundle")
    if not bundle or not Path(bundle).exists():
        raise RegistryError(f"model {record.id} has no bundle yet: distil export {record.id}")
    return Path(bundle)


def promote(
    project: Project, model_id: str, force: bool = False, reason: str = "", actor: str | None = None
) -> PromotionDecision:
    """Score the candidate and production bundles on today's validation set; promote if the gate
    allows, or when forced (then who and why are recorded)."""
    if force and not reason.strip():
        raise ValueError("--force needs --reason: forced promotions record who and why")
    settings, store, registry = project.settings, project.store, project.registry
    candidate = registry.get(model_id)
    current = registry.production()
    if current and current.id == candidate.id:
        raise RegistryError(f"model {candidate.id} is already in production")
    held = held_out_set(store, Split.VALIDATION, tuple(candidate.labels))
    if not held.documents:
        raise ValueError("no human-labelled validation documents to compare on")
    candidate_scores = score_bundle(_bundle_of(candidate), held, settings)
    production_scores = score_bundle(_bundle_of(current), held, settings) if current else None
    decision = decide(
        candidate_scores,
        production_scores,
        bool(candidate.artifacts.get("passed_int8")),
        settings.export.promotion_margin,
        settings.export.bootstrap,
    )
    decision.details = {"production": current.id if current else None}
    if decision.allowed or force:
        action = "promoted" if decision.allowed else "promoted (forced)"
        why = reason or "; ".join(decision.reasons)
        registry.set_production(candidate.id, action, actor, why, decision.as_dict())
        point_production(production_path(settings), _bundle_of(candidate))
    else:
        registry.update(
            candidate.id,
            action="promotion refused",
            actor=actor,
            reason="; ".join(decision.reasons),
            details=decision.as_dict(),
        )
    return decision


def rollback(project: Project, reason: str = "", actor: str | None = None) -> tuple[ModelRecord, ModelRecord]:
    """Production goes back to the model it replaced; returns (demoted, restored)."""
    settings, registry = project.settings, project.registry
    current = registry.production()
    if current is None:
        raise RegistryError("no model is in production: nothing to roll back")
    previous = registry.previous_production()
    if previous is None:
        raise RegistryError(f"model {current.id} is the first production model: nothing to roll back to")
    bundle = _bundle_of(previous)
    registry.update(current.id, action=ROLLED_BACK, actor=actor, reason=reason or "rollback")
    registry.set_production(previous.id, "restored", actor, reason or f"rollback from {current.id}", {})
    point_production(production_path(settings), bundle)
    return registry.get(current.id), registry.get(previous.id)
