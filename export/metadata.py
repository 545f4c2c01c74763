"""What a bundle says about the model it holds: `distil_bundle.json` (how to run it, where it came
from, the gate's verdict) and `metrics.json` (its scores on the held-out set, per format)."""

from __future__ import annotations

from dataclasses import dataclass, field

from corpus.metrics import Scores
from export.gate import GateDecision


@dataclass(frozen=True)
class ModelFacts:
    """The exported student as the bundle records it (the export stage never reads student/)."""

    model_id: str
    labels: tuple[str, ...]
    threshold: float
    max_words: int
    window_overlap: int
    base: str  # its public name, e.g. sentence-transformers/all-MiniLM-L6-v2
    training_set_hash: str
    training_counts: dict = field(default_factory=dict)
    dev_f1: float | None = None
    training: dict = field(default_factory=dict)  # steps, batch size, learning rates, time, device
    label_thresholds: dict = field(default_factory=dict)  # labels with their own threshold (dev)


def bundle_meta(
    facts: ModelFacts,
    gate: GateDecision,
    teachers: list[str],
    guidelines,
    trained_under: str,
    latency: dict | None = None,
) -> dict:
    """distil_bundle.json: everything a runtime needs, and the provenance a reviewer asks for."""
    return {
        "model_id": facts.model_id,
        "format": gate.shipped,
        "labels": list(facts.labels),
        "threshold": facts.threshold,
        "label_thresholds": dict(facts.label_thresholds),
        "max_words": facts.max_words,
        "window_overlap": facts.window_overlap,
        "base": facts.base,
        "training_set_hash": facts.training_set_hash,
        "training_counts": facts.training_counts,
        "training": facts.training,
        "teachers": teachers,
        "guidelines": {
            "name": guidelines.name,
            "version": guidelines.version,
            "trained_under": trained_under,
            "file": "guidelines.md",
        },
        "gate": gate.as_dict(),
        "latency": latency or {},
    }


def bundle_metrics(
    scores: dict[str, Scores], gate: GateDecision, documents: int, dev_f1: float | None
) -> dict:
    """metrics.json: the shipped format's held-out scores, and every format's F1."""
    return {
        "held_out": {**scores[gate.shipped].as_dict(), "documents": documents},
        "formats": {name: s.micro.f1 for name, s in scores.items()},
        "dev_f1": dev_f1,
    }
