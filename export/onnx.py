"""ONNX conversion with gliner's exporter (a markerV0 span head in factored form, same scores),
and loading an exported folder as it will be served. Quantization: export/quantization.py."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

FP32 = "fp32"
MODEL_FILE = "model.onnx"


def export_fp32(model, out_dir: Path, public_base: str = "", factored: bool = True) -> Path:
    """Write model.onnx, gliner_config.json and the tokenizer files into `out_dir`. A markerV0
    span head is exported in factored form (export/span_head.py): the same scores, faster
    (`factored=False` keeps gliner's, for comparison)."""
    from export.span_head import factor, factorable, restore

    out_dir.mkdir(parents=True, exist_ok=True)
    core = model.model
    originals = factor(core) if factored and factorable(core) else None
    try:
        with warnings.catch_warnings(action="ignore"):  # the tracer's warnings are about its own internals
            model.export_to_onnx(str(out_dir), onnx_filename=MODEL_FILE, quantize=False)
    finally:
        if originals:
            restore(core, originals)
    config_file = out_dir / "gliner_config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    # The encoder's config is embedded; `model_name` would only leak a path of the
    # training machine, so it names the public parent instead.
    if public_base:
        config["model_name"] = public_base
    encoder = config.get("encoder_config") or {}
    if "_name_or_path" in encoder:  # transformers records where the encoder was loaded from
        encoder["_name_or_path"] = public_base
    config_file.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return out_dir / MODEL_FILE


def load_onnx(directory: Path, onnx_file: str = MODEL_FILE, **options):
    """The model as it will be served: distil_runtime on ONNX Runtime (CPU), from a folder with
    the config and tokenizer; `options` go to NerModel (max_words, overlap, threads)."""
    from distil_runtime import NerModel

    return NerModel.load(directory, onnx_file, **options)
