"""What the inference benchmark measures on: the student, its ONNX files, the sentences, the engines.

Everything built is kept under the work folder, so a re-run after a stop starts where it was.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from onnxruntime.quantization import QuantType, quantize_dynamic

from benchmarks.inference_engines import (
    Engine,
    FastGlinerEngine,
    GlinerEngine,
    RuntimeEngine,
    cold_start_seconds,
)
from benchmarks.install_size import closure, installed_megabytes
from benchmarks.report import SHARED
from corpus.conll import read_conll
from corpus.model import Annotator, AnnotatorKind, Split
from corpus.store import Store
from export.gate import quiet_onnx_logging
from export.onnx import export_fp32
from export.quantization import INT8, INT8_STATIC, calibration_inputs, quantize
from student.config import Candidate, StudentConfig
from student.data import build_training_set
from student.train import TrainedStudent, train_candidate

LABELS = ("PER", "ORG", "LOC", "MISC")
CALIBRATION_TEXTS = 200  # training sentences that int8-static measures activations on
FILES = {
    "FP32": "model.onnx",
    "INT8": f"model.{INT8}.onnx",
    "INT8 static": f"model.{INT8_STATIC}.onnx",
    "INT8 onnxruntime defaults": "model.int8-defaults.onnx",  # distil's INT8 until issue 34
}
GLINER_HEAD = "onnx-gliner-head"  # the same student exported with gliner's own span head


@dataclass
class Setup:
    student: TrainedStudent
    onnx_dir: Path
    texts: list[str]
    gold: list
    train_texts: list[str]
    fast_gliner: Path | None


def split_wikigold() -> tuple[list, list]:
    """The first 1000 sentences with entities to train on; every sentence after the last of them
    (404, with entities or without) to measure on."""
    items = list(read_conll(SHARED / "wikigold" / "wikigold.conll.txt"))
    with_spans = [index for index, item in enumerate(items) if item.spans]
    cut = with_spans[999] + 1
    return [i for i in items[:cut] if i.spans], items[cut:]


def student_dir(work: Path) -> Path:
    """Where a student trained by this benchmark is kept (train_candidate keeps its best here)."""
    return work / "student" / "best"


def prepare(work: Path, model: Path | None, steps: int, fast_gliner: Path | None) -> Setup:
    train_items, test_items = split_wikigold()  # the student never sees the test sentences
    work.mkdir(parents=True, exist_ok=True)
    if model:
        student = TrainedStudent.load(model)
    elif (student_dir(work) / "distil_student.json").exists():
        student = TrainedStudent.load(student_dir(work))
    else:
        student = _train(train_items, steps, work)
    setup = Setup(
        student,
        work / "onnx",
        [i.document.text for i in test_items],
        [list(i.spans) for i in test_items],
        [i.document.text for i in train_items],
        fast_gliner,
    )
    _export(setup)
    return setup


def _train(items, steps: int, work: Path) -> TrainedStudent:
    with Store(f"sqlite:///{work}/bench.db") as store:
        store.add_labelled(items, Split.POOL, Annotator(AnnotatorKind.HUMAN, "gold:wikigold"))
        data = build_training_set(store, LABELS, dev_fraction=0.1)
        config = StudentConfig(max_steps=steps, eval_every=100, patience=3)
        return train_candidate(data, Candidate(base="minilm"), config, work / "student", progress=print)


def _export(setup: Setup) -> None:
    from gliner import GLiNER

    model = GLiNER.from_pretrained(str(setup.student.path), local_files_only=True)
    fp32, unfactored = setup.onnx_dir / FILES["FP32"], setup.onnx_dir.parent / GLINER_HEAD
    if not fp32.exists():
        export_fp32(model, setup.onnx_dir)
    if not (unfactored / FILES["FP32"]).exists():
        export_fp32(model, unfactored, factored=False)
    made = {
        "INT8": lambda out: quantize(fp32, out, INT8),
        "INT8 static": lambda out: quantize(
            fp32,
            out,
            INT8_STATIC,
            calibration_inputs(setup.onnx_dir, setup.train_texts[:CALIBRATION_TEXTS], LABELS),
        ),
        "INT8 onnxruntime defaults": lambda out: quantize_dynamic(
            str(fp32), str(out), weight_type=QuantType.QUInt8
        ),
    }
    for fmt, make in made.items():
        if not (setup.onnx_dir / FILES[fmt]).exists():
            with quiet_onnx_logging():
                make(setup.onnx_dir / FILES[fmt])


def build_engines(setup: Setup, skip: set[str]) -> Iterator[Engine]:
    """Each engine once, loaded only when its row is missing (so memory holds one at a time)."""
    from distil_runtime import NerModel
    from gliner import GLiNER

    threshold = setup.student.threshold
    if "PyTorch FP32" not in skip:
        torch_model = GLiNER.from_pretrained(str(setup.student.path), local_files_only=True)
        yield GlinerEngine("PyTorch FP32", torch_model, LABELS, threshold)
    for fmt in ("FP32", "INT8"):
        if f"gliner ONNX {fmt}" not in skip:
            onnx = GLiNER.from_pretrained(
                str(setup.onnx_dir), load_onnx_model=True, onnx_model_file=FILES[fmt], local_files_only=True
            )
            yield GlinerEngine(f"gliner ONNX {fmt}", onnx, LABELS, threshold)
    for name, folder, fmt, threads in RUNTIME_ROWS:
        if name not in skip:
            model = NerModel.load(setup.onnx_dir.parent / folder, FILES[fmt], threads=threads)
            yield RuntimeEngine(name, model, LABELS, threshold)
    for fmt in ("FP32", "INT8"):
        if setup.fast_gliner and f"fast-gliner {fmt}" not in skip:
            yield FastGlinerEngine(f"fast-gliner {fmt}", setup.fast_gliner, _single(setup, fmt), LABELS)


RUNTIME_ROWS = (  # name, folder under the work folder, format, threads (None: all cores)
    ("distil_runtime FP32, gliner's span head", GLINER_HEAD, "FP32", None),
    ("distil_runtime FP32", "onnx", "FP32", None),
    ("distil_runtime INT8, onnxruntime defaults", "onnx", "INT8 onnxruntime defaults", None),
    ("distil_runtime INT8", "onnx", "INT8", None),
    ("distil_runtime INT8 static", "onnx", "INT8 static", None),
    ("distil_runtime INT8, 1 thread", "onnx", "INT8", 1),
)


def _single(setup: Setup, fmt: str) -> Path:
    """A folder fast-gliner can load: it wants the ONNX file as `model.onnx` beside the tokenizer."""
    folder = setup.onnx_dir.parent / f"fast-gliner-{fmt.replace(' ', '-').lower()}"
    return linked_folder(setup.onnx_dir, FILES[fmt], folder)


def linked_folder(onnx_dir: Path, onnx_file: str, folder: Path) -> Path:
    """`folder` with the export's config and tokenizer and `onnx_file` as model.onnx (links, no
    copies): one ONNX file of the export as a loadable model folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in onnx_dir.iterdir():
        if source.suffix == ".json" or source.name == "vocab.txt":
            _link(source, folder / source.name)
    _link(onnx_dir / onnx_file, folder / "model.onnx")
    return folder


def _link(source: Path, target: Path) -> None:
    if not target.exists():
        target.symlink_to(source.resolve())


SAMPLE = "Ada Lovelace worked with Charles Babbage in London."


def cold_start(setup: Setup, name: str) -> dict:
    """Seconds from a fresh interpreter to the first answer, for the engine called `name`."""
    labels, onnx = list(LABELS), str(setup.onnx_dir)
    runtime = next((r for r in RUNTIME_ROWS if r[0] == name), None)
    fmt = runtime[2] if runtime else ("INT8" if name.endswith("INT8") else "FP32")
    if name.startswith("PyTorch"):
        code = (
            "from gliner import GLiNER; m = GLiNER.from_pretrained("
            f"{str(setup.student.path)!r}, local_files_only=True); m.inference([{SAMPLE!r}], {labels!r})"
        )
    elif name.startswith("gliner ONNX"):
        code = (
            f"from gliner import GLiNER; m = GLiNER.from_pretrained({onnx!r}, load_onnx_model=True, "
            f"onnx_model_file={FILES[fmt]!r}, local_files_only=True); m.inference([{SAMPLE!r}], {labels!r})"
        )
    elif runtime:
        folder = str(setup.onnx_dir.parent / runtime[1])
        code = (
            f"from distil_runtime import NerModel; NerModel.load({folder!r}, {FILES[fmt]!r})"
            f".extract([{SAMPLE!r}], {labels!r})"
        )
    else:
        folder = str(_single(setup, fmt))
        code = (
            f"from fast_gliner import FastGLiNER; FastGLiNER({folder!r}, 'model.onnx', 'cpu')"
            f".predict_entities([{SAMPLE!r}], {labels!r})"
        )
        return {"cold_s": cold_start_seconds(code, str(setup.fast_gliner))}
    return {"cold_s": cold_start_seconds(code)}


def install_sizes(fast_gliner: Path | None) -> dict[str, float]:
    """MB of site-packages each way of serving brings (the distribution and all it requires)."""
    sizes = {
        "PyTorch": installed_megabytes(closure("gliner")),
        "gliner ONNX": installed_megabytes(closure("gliner") | closure("onnxruntime")),
        "distil_runtime": installed_megabytes(closure("distil-runtime")),
        "distil_runtime[serve]": installed_megabytes(closure("distil-runtime", ("serve",))),
        "onnxruntime": installed_megabytes(closure("onnxruntime")),
    }
    if fast_gliner:
        sizes["fast-gliner"] = json.loads(
            subprocess.run(
                [str(fast_gliner), "-c", _VENV_SIZE], capture_output=True, text=True, check=True
            ).stdout
        )
    return sizes


# every distribution in fast-gliner's own virtualenv but the installer's
_VENV_SIZE = """
import json
from importlib import metadata
total = sum(f.locate().stat().st_size for d in metadata.distributions()
            if d.metadata["Name"].lower() not in ("pip", "setuptools", "wheel")
            for f in d.files or [] if f.locate().is_file())
print(json.dumps(total / 1e6))
"""
