"""Decision thresholds chosen on dev: one for every label, then one per label where it helps.

The model predicts once at the grid's lowest threshold; a threshold keeps the spans scored at or
above it. For one threshold that is exactly what decoding at it gives (flat decoding keeps the
best-scored spans first), and a per-label threshold is applied the same way when serving: decode at
the lowest, then keep each span above its label's threshold (`distil_runtime.NerModel.extract`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from corpus.metrics import score
from corpus.model import Span


def kept(spans: Sequence[Span], threshold: float, by_label: Mapping[str, float] | None = None) -> list[Span]:
    """The spans at or above their label's threshold (`threshold` for labels not in `by_label`)."""
    by_label = by_label or {}
    return [s for s in spans if (s.score or 0.0) >= by_label.get(s.label, threshold)]


def lowest(threshold: float, by_label: Mapping[str, float] | None = None) -> float:
    """The threshold to decode at, so that every label's own threshold can be applied after."""
    return min([threshold, *(by_label or {}).values()])


def micro_f1(
    gold: Sequence[Sequence[Span]], low: Sequence[Sequence[Span]], threshold: float, by_label=None
) -> float:
    return score(gold, [kept(spans, threshold, by_label) for spans in low], bootstrap=0).micro.f1


def sweep(gold, low, grid: Sequence[float]) -> tuple[float, list[tuple[float, float]]]:
    """The best single threshold of the grid (ties: the one nearest 0.5) and F1 at each."""
    curve = [(t, micro_f1(gold, low, t)) for t in grid]
    best = max(curve, key=lambda point: (point[1], -abs(point[0] - 0.5)))
    return best[0], curve


def per_label(gold, low, labels: Sequence[str], grid: Sequence[float], threshold: float) -> dict[str, float]:
    """Labels whose own threshold raises dev F1 over `threshold` alone, one pass in label order;
    a label moves only on a strict gain (a tie keeps the shared threshold: less to overfit)."""
    chosen: dict[str, float] = {}
    best = micro_f1(gold, low, threshold)
    for label in labels:
        for candidate in grid:
            trial = chosen | {label: candidate}
            f1 = micro_f1(gold, low, threshold, trial)
            if f1 > best + 1e-9:
                best, chosen = f1, trial
    return {label: t for label, t in chosen.items() if t != threshold}
