"""Each offline base as it ships: the size, speed and accuracy of its students once exported.

A larger base learns more (BENCHMARKS.md, "Student recipe") but is larger and slower to serve.
This measures what that costs: students kept by `benchmarks.student_recipe --keep DIR` (trained
on the same wikigold pool with the same recipe and steps, one per base) are exported as distil
exports them (FP32 with the factored span head, then the two INT8 recipes its gate tries: INT8,
dynamic over every MatMul and lookup, and INT8 selective, the encoder's MatMuls alone) and run
on the same held-out sentences, the corpus's first 100 documents as in "Student recipe": file
size, ms per sentence at batch 1 (median), sentences/s at batch 32, strict F1 at the student's
own threshold.

Resumable: the ONNX files are kept beside each student, each row in
benchmarks/results/student_bases.json; a re-run measures only what is missing.

python -m benchmarks.student_bases --students KEPT_DIR/wikigold-... KEPT_DIR/wikigold-...
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.inference_engines import GlinerEngine, RuntimeEngine
from benchmarks.inference_formats import measure
from benchmarks.report import load_results, save_results, table, write_section
from benchmarks.student_recipe import split_corpus
from benchmarks.student_recipe_report import cpu_label
from export.gate import quiet_onnx_logging
from export.latency import cpu_name
from export.onnx import MODEL_FILE, export_fp32
from export.quantization import INT8, INT8_SELECTIVE, quantize
from student.train import TrainedStudent

RESULTS = Path(__file__).resolve().parent / "results" / "student_bases.json"
# what the export gate tries, in its order: it ships the first INT8 within `f1_budget` of FP32
FORMATS = {"FP32": MODEL_FILE, "INT8": f"model.{INT8}.onnx", "INT8 selective": f"model.{INT8_SELECTIVE}.onnx"}


def exported(student: TrainedStudent) -> Path:
    """The student's ONNX folder (FP32 and INT8), made once beside it."""
    from gliner import GLiNER

    folder = student.path.parent / f"{student.path.name}-onnx"
    if not (folder / FORMATS["FP32"]).exists():
        export_fp32(GLiNER.from_pretrained(str(student.path), local_files_only=True), folder)
    for fmt, recipe in (("INT8", INT8), ("INT8 selective", INT8_SELECTIVE)):
        if not (folder / FORMATS[fmt]).exists():
            with quiet_onnx_logging():
                quantize(folder / FORMATS["FP32"], folder / FORMATS[fmt], recipe)
    return folder


def engines(student: TrainedStudent, labels, skip: set[str]):
    """PyTorch FP32 and distil_runtime FP32 and INT8, each loaded only when its row is missing."""
    from distil_runtime import NerModel
    from gliner import GLiNER

    if "PyTorch FP32" not in skip:
        model = GLiNER.from_pretrained(str(student.path), local_files_only=True)
        yield GlinerEngine("PyTorch FP32", model, labels, student.threshold), student.path
    folder = exported(student)
    for fmt, file in FORMATS.items():
        if f"distil_runtime {fmt}" not in skip:
            model = NerModel.load(folder, file)
            yield RuntimeEngine(f"distil_runtime {fmt}", model, labels, student.threshold), folder / file


def weights_megabytes(path: Path) -> float:
    """An ONNX file's size, or a checkpoint folder's weights."""
    files = [path] if path.is_file() else [f for f in path.iterdir() if f.suffix in (".safetensors", ".bin")]
    return sum(f.stat().st_size for f in files) / 1e6


def render(results: dict) -> None:
    rows = []
    for name, measured in results.items():
        fp32 = measured["rows"].get("distil_runtime FP32", {}).get("f1_b1")
        for engine, row in measured["rows"].items():
            change = f"{(row['f1_b1'] - fp32) * 100:+.1f}" if "INT8" in engine and fp32 is not None else ""
            rows.append([measured["base"], name, engine, f"{row['mb']:.0f}", f"{row['ms_b1']:.1f}",
                         f"{row['throughput_b32']:.1f}", f"{row['f1_b1']:.3f}", change,
                         cpu_label(row)])  # fmt: skip
    headers = ["base", "student (kept as)", "engine, format", "MB", "ms/sentence, batch 1",
               "sentences/s, batch 32", "F1 (held out)", "against FP32 ONNX, points", "CPU"]  # fmt: skip
    intro = __doc__.split("\n\n")[1]
    body = f"""{intro}

MB: the weights (PyTorch: the checkpoint's weights file; ONNX: the one file). The export gate
ships the first INT8 recipe within `f1_budget` (0.5 points) of FP32 ONNX, else FP32. On 100
held-out sentences one entity moves F1 by about half a point, so a point or two is within
noise. One run per row, 2 cores.

{table(headers, rows)}
"""
    write_section("student-bases", "Student bases as shipped: size, speed and accuracy",
                  "python -m benchmarks.student_bases", body)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", nargs="+", type=Path, required=True)
    parser.add_argument("--corpus", default="wikigold")
    args = parser.parse_args()
    held, _, labels = split_corpus(args.corpus, 100, 0)
    texts = [item.document.text for item in held]
    gold = [[s for s in item.spans if s.label in labels] for item in held]
    results = load_results(RESULTS)
    for path in args.students:
        student = TrainedStudent.load(path)
        measured = results.setdefault(path.name, {"base": student.base, "rows": {}})
        for engine, weights in engines(student, labels, skip=set(measured["rows"])):
            print(f"{path.name}: {engine.name}", flush=True)
            row = measure(engine, texts, gold)
            measured["rows"][engine.name] = {**row, "mb": weights_megabytes(weights), "cpu": cpu_name()}
            save_results(RESULTS, results)
    render(results)


if __name__ == "__main__":
    main()
