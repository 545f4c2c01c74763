"""The promotion gate and the stable production path.

A candidate is promoted when it passed the INT8 gate and beats the production
model by `margin` F1 points on the same validation documents, scored now (not
copied from when each was trained: the validation set may have grown). The
paired bootstrap interval of the difference is reported with the decision.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from corpus.metrics import Scores, bootstrap_delta


@dataclass
class PromotionDecision:
    allowed: bool
    reasons: list[str]
    candidate_f1: float
    production_f1: float | None
    delta_points: float | None
    delta_interval: tuple[float, float] | None  # F1 points, 95%
    documents: int
    margin: float
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def decide(
    candidate: Scores,
    production: Scores | None,
    candidate_passed_int8: bool,
    margin: float,
    bootstrap: int = 1000,
) -> PromotionDecision:
    reasons = []
    allowed = True
    if not candidate_passed_int8:
        allowed = False
        reasons.append("the candidate's INT8 model did not pass the accuracy gate (its bundle ships FP32)")
    if production is None:
        reasons.append("no model in production yet")
        return PromotionDecision(
            allowed, reasons, candidate.micro.f1, None, None, None, candidate.documents, margin
        )
    delta = round((candidate.micro.f1 - production.micro.f1) * 100, 2)
    low, high = bootstrap_delta(candidate.per_document, production.per_document, bootstrap)
    interval = (round(low * 100, 2), round(high * 100, 2))
    if delta < margin or delta <= 0:
        allowed = False
        reasons.append(
            f"F1 {candidate.micro.f1:.4f} vs production {production.micro.f1:.4f}: {delta:+.2f} points, "
            f"needs at least {margin:+.2f}"
        )
    else:
        reasons.append(f"beats production by {delta:+.2f} F1 points (margin {margin:.2f})")
    return PromotionDecision(
        allowed,
        reasons,
        candidate.micro.f1,
        production.micro.f1,
        delta,
        interval,
        candidate.documents,
        margin,
    )


def point_production(link: Path, bundle: Path) -> None:
    """Switch the production symlink to `bundle` atomically (a new link renamed over the old)."""
    link = Path(link)
    link.parent.mkdir(parents=True, exist_ok=True)
    temporary = link.with_name(f".{link.name}.switch")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    # relative, so the link resolves wherever the project is mounted (host, worker, container)
    target = os.path.relpath(Path(bundle).resolve(), link.parent.resolve())
    temporary.symlink_to(target, target_is_directory=True)
    os.replace(temporary, link)
