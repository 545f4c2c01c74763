"""The accuracy gate: INT8 ships only if it loses at most `budget` F1 points against FP32 ONNX.

Full INT8 is tried first, then the selective recipe; if both lose too much the
bundle ships FP32, and the reason says by how much each lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from export.onnx import FP32, MODEL_FILE, load_onnx
from export.quantization import INT8, INT8_SELECTIVE, quantize

RECIPES = (INT8, INT8_SELECTIVE)


@dataclass
class FormatResult:
    format: str
    file: str
    f1: float
    size_bytes: int


@dataclass
class GateDecision:
    shipped: str  # fp32, int8 or int8-selective
    reason: str
    budget: float
    results: list[FormatResult]

    @property
    def passed_int8(self) -> bool:
        return self.shipped != FP32

    def result(self, fmt: str) -> FormatResult | None:
        return next((r for r in self.results if r.format == fmt), None)

    def as_dict(self) -> dict:
        return {**asdict(self), "passed_int8": self.passed_int8}


def choose(fp32_f1: float, tried: list[tuple[str, float]], budget: float) -> tuple[str, str]:
    """The first INT8 recipe within budget (F1 points), else FP32; with the reason."""
    losses = []
    for recipe, f1 in tried:
        loss = round((fp32_f1 - f1) * 100, 2)
        if loss <= budget:
            return recipe, f"{recipe} {_change(loss)} F1 points against FP32 ONNX (budget {budget:.2f})"
        losses.append(f"{recipe} {_change(loss)}")
    if not tried:
        return FP32, "quantization turned off ([export] quantize = false)"
    return (
        FP32,
        f"{', '.join(losses)} F1 points against FP32 ONNX, over the budget of {budget:.2f}: FP32 ships",
    )


def _change(loss: float) -> str:
    """A loss in points as words: INT8 can score above FP32 on a small set."""
    return f"gains {-loss:.2f}" if loss < 0 else f"loses {loss:.2f}"


def run_gate(
    work_dir: Path,
    f1_of: Callable[[object, str], float],
    budget: float,
    try_int8: bool = True,
    progress: Callable[[str], None] = print,
) -> GateDecision:
    """Score the FP32 ONNX model in `work_dir` with `f1_of(model, format)`, then the INT8 recipes in
    turn until one is within budget (the others are not tried: each costs a full evaluation)."""
    fp32 = work_dir / MODEL_FILE
    results = [FormatResult(FP32, MODEL_FILE, f1_of(load_onnx(work_dir), FP32), fp32.stat().st_size)]
    progress(f"FP32 ONNX: F1 {results[0].f1:.4f}")
    tried: list[tuple[str, float]] = []
    for recipe in RECIPES if try_int8 else ():
        name = f"model.{recipe}.onnx"
        with quiet_onnx_logging():
            quantize(fp32, work_dir / name, recipe)
        f1 = f1_of(load_onnx(work_dir, name), recipe)
        results.append(FormatResult(recipe, name, f1, (work_dir / name).stat().st_size))
        progress(f"{recipe} ONNX: F1 {f1:.4f}")
        tried.append((recipe, f1))
        shipped, _ = choose(results[0].f1, tried, budget)
        if shipped != FP32:
            break
    shipped, reason = choose(results[0].f1, tried, budget)
    return GateDecision(shipped, reason, budget, results)


@contextmanager
def quiet_onnx_logging():
    """onnxruntime's quantizer warns on the root logger for every shape it cannot infer."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
