"""ONNX conversion with gliner's exporter and INT8 dynamic quantization with onnxruntime.

Quantized GLiNER models are known to collapse (urchade/GLiNER #218, #270): the
span and prompt heads and the LSTM are small but sensitive. So there are two
INT8 recipes: `int8` quantizes every supported op (onnxruntime's default), and
`int8-selective` quantizes only the encoder's MatMuls, per channel, keeping
embeddings, LSTM and heads in FP32.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

FP32, INT8, INT8_SELECTIVE = "fp32", "int8", "int8-selective"
ENCODER_SCOPE = "/core/token_rep_layer/"  # node names of the transformer encoder in gliner's graph
MODEL_FILE = "model.onnx"


def export_fp32(model, out_dir: Path, public_base: str = "") -> Path:
    """Write model.onnx, gliner_config.json and the tokenizer files into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(action="ignore"):  # the tracer's warnings are about its own internals
        model.export_to_onnx(str(out_dir), onnx_filename=MODEL_FILE, quantize=False)
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


def quantize(fp32: Path, out: Path, recipe: str) -> Path:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if recipe == INT8:
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QUInt8)
    elif recipe == INT8_SELECTIVE:
        quantize_dynamic(
            str(fp32),
            str(out),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            nodes_to_quantize=encoder_matmuls(fp32),
        )
    else:
        raise ValueError(f"unknown quantization recipe {recipe!r}")
    return out


def encoder_matmuls(path: Path) -> list[str]:
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    return [n.name for n in graph.node if n.op_type == "MatMul" and n.name.startswith(ENCODER_SCOPE)]


def load_onnx(directory: Path, onnx_file: str = MODEL_FILE, **options):
    """The model as it will be served: distil_runtime on ONNX Runtime (CPU), from a folder with
    the config and tokenizer; `options` go to NerModel (max_words, overlap, threads)."""
    from distil_runtime import NerModel

    return NerModel.load(directory, onnx_file, **options)
