"""Inference per engine and format: one student, one machine, the same 404 sentences.

PyTorch FP32 and gliner's ONNX path (FP32, dynamic INT8) against distil_runtime (FP32,
dynamic INT8, calibrated static INT8) and fast-gliner (gline-rs) on the same files: ms per
sentence at batch 1, sentences/s at batch 32, strict F1 at both batch sizes, install size,
cold start, and where the time goes (inside the model against everything else).
Goals (issue 34): distil_runtime INT8 >= 3x faster than PyTorch FP32 at batch 1 and >= 4x at
batch 32, no slower than fast-gliner, <= 0.5 F1 points lost against FP32, serving install
< 150 MB.

python -m benchmarks.inference_formats [--model STUDENT_DIR] [--work DIR] [--fast-gliner PYTHON]

fast-gliner cannot live in distil's virtualenv; give it its own for its rows:
python -m venv /tmp/fast-gliner && /tmp/fast-gliner/bin/pip install fast-gliner==0.3.2

Resumable: the student, the ONNX files and each engine's row are kept under --work and in
benchmarks/results/inference_formats.json; a re-run measures only what is missing (--fresh
measures again).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from pathlib import Path

from benchmarks.inference_engines import Engine
from benchmarks.inference_profile import profile
from benchmarks.inference_setup import (
    FILES,
    GLINER_HEAD,
    LABELS,
    Setup,
    build_engines,
    cold_start,
    install_sizes,
    prepare,
)
from benchmarks.inference_table import render
from benchmarks.report import load_results, save_results, write_section
from corpus.metrics import score

RESULTS = Path(__file__).resolve().parent / "results" / "inference_formats.json"


def measure(engine: Engine, texts: list[str], gold) -> dict:
    engine.predict(texts[:4], batch_size=4)  # warm-up: first-call allocations
    if not math.isnan(engine.model_seconds):  # nan: an engine whose model time is not separable
        engine.model_seconds = 0.0
    single, found_single = [], []
    for text in texts:
        start = time.perf_counter()
        found_single += engine.predict([text], batch_size=1)
        single.append((time.perf_counter() - start) * 1000)
    model_ms = engine.model_seconds * 1000 / len(texts)
    start = time.perf_counter()
    found_batch = engine.predict(texts, batch_size=32)
    throughput = len(texts) / (time.perf_counter() - start)
    return {
        "ms_b1": statistics.median(single),
        "mean_ms_b1": statistics.fmean(single),
        "model_ms_b1": model_ms,
        "throughput_b32": throughput,
        "f1_b1": _f1(gold, found_single),
        "f1_b32": _f1(gold, found_batch),
    }


def _f1(gold, found) -> float:
    return score(gold, [[_Span(*s) for s in spans] for spans in found], bootstrap=0).micro.f1


class _Span:
    """What corpus.metrics reads of a predicted span."""

    __slots__ = ("start", "end", "label")

    def __init__(self, start: int, end: int, label: str):
        self.start, self.end, self.label = start, end, label


def run(setup: Setup, results: dict, fresh: bool) -> dict:
    rows = {} if fresh else dict(results.get("rows", {}))
    for engine in build_engines(setup, skip=set(rows)):
        print(f"measuring {engine.name}", flush=True)
        rows[engine.name] = {**measure(engine, setup.texts, setup.gold), **cold_start(setup, engine.name)}
        getattr(engine, "close", lambda: None)()
        results["rows"] = rows
        save_results(RESULTS, results)
    return rows


PROFILED = (  # row name, folder under the work folder, file
    ("FP32, gliner's span head", GLINER_HEAD, FILES["FP32"]),
    ("FP32", "onnx", FILES["FP32"]),
    ("INT8", "onnx", FILES["INT8"]),
)


def profiles(setup: Setup) -> dict:
    texts = setup.texts[:100]
    return {
        name: profile(setup.onnx_dir.parent / folder, file, texts, LABELS) for name, folder, file in PROFILED
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, help="a trained student folder (default: train one)")
    parser.add_argument("--steps", type=int, default=400, help="training steps when no --model is given")
    parser.add_argument("--work", type=Path, default=Path.home() / ".cache" / "distil" / "bench-inference")
    parser.add_argument("--fast-gliner", type=Path, help="python of a virtualenv with fast-gliner installed")
    parser.add_argument("--fresh", action="store_true", help="measure every row again")
    args = parser.parse_args()
    setup = prepare(args.work, args.model, args.steps, args.fast_gliner)
    results = load_results(RESULTS)
    if results.get("student") != str(setup.student.path):
        results = {"student": str(setup.student.path)}
    rows = run(setup, results, args.fresh)
    results["install_mb"] = install_sizes(args.fast_gliner)
    if args.fresh or "profiles" not in results:
        results["profiles"] = profiles(setup)
    save_results(RESULTS, results)
    body = render(setup, rows, results["install_mb"], results["profiles"])
    write_section(
        "inference-formats", "Inference per engine and format", "python -m benchmarks.inference_formats", body
    )
    print(body)


if __name__ == "__main__":
    main()
