"""INT8 recipes for an exported model, with onnxruntime's quantizer.

Measured on the distil student (BENCHMARKS.md "Inference per engine and format"), what decides
speed and accuracy is which MatMuls are quantized and how:
- only MatMuls against a weight matrix: the attention products (activation x activation) lose
  accuracy when quantized and gain little;
- signed INT8 weights per output channel: with unsigned weights (onnxruntime's default) the
  kernels run U8U8, without the VNNI / AMX fast path, and the model was no faster.
Recipes, tried by the gate in this order:
- `int8`: every weight product and the embedding tables, with `reduce_range` (7-bit weights:
  U8S8 products can saturate on AVX2 CPUs without VNNI, the AMD machines distil runs on). The
  fastest and smallest (4x faster than PyTorch, 3.6x smaller, F1 within noise on a trained
  student);
- `int8-selective`, the fallback: the encoder's weight products only, with full 8-bit weights;
  the span head, LSTM, prompt projection and embeddings stay FP32. Quantized GLiNER heads are
  known to collapse (urchade/GLiNER #218, #270): on a barely trained student (F1 0.108 on 60
  documents) `int8` lost 4.2 points and this recipe gained 0.6.
Both are dynamic: activation scales are computed per call over the whole batch, so with INT8 a
text's scores move slightly with the texts batched beside it. `int8-static` calibrates
activation scales once (answers that do not depend on the batch); it is measured in the
benchmark and lost more F1 and speed than dynamic, so the gate does not try it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

INT8, INT8_SELECTIVE, INT8_STATIC = "int8", "int8-selective", "int8-static"
ENCODER_SCOPE = "/core/token_rep_layer/"  # node names of the transformer encoder in gliner's graph


def quantize(fp32: Path, out: Path, recipe: str, calibration: Iterable[dict] = ()) -> Path:
    """Write `out`, an INT8 copy of `fp32` by `recipe`; `calibration` (model inputs, name -> array)
    is what int8-static measures activation ranges on."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if recipe not in (INT8, INT8_SELECTIVE, INT8_STATIC):
        raise ValueError(f"unknown quantization recipe {recipe!r}")
    if recipe == INT8_STATIC:
        return quantize_calibrated(fp32, out, weight_nodes(fp32, lookups=False), calibration)
    selective = recipe == INT8_SELECTIVE
    quantize_dynamic(
        str(fp32),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        reduce_range=not selective,
        op_types_to_quantize=["MatMul"] if selective else ["MatMul", "Gather"],
        nodes_to_quantize=weight_nodes(fp32, ENCODER_SCOPE, lookups=False)
        if selective
        else weight_nodes(fp32),
    )
    return out


def weight_nodes(path: Path, scope: str = "", lookups: bool = True) -> list[str]:
    """MatMul nodes (under `scope`) whose second input is a weight matrix, not an activation,
    and with `lookups` the Gathers from embedding tables (a third of the file)."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    matrices = {w.name for w in graph.initializer if len(w.dims) == 2}
    return [
        n.name
        for n in graph.node
        if n.name.startswith(scope)
        and (
            (n.op_type == "MatMul" and n.input[1] in matrices)
            or (lookups and n.op_type == "Gather" and n.input[0] in matrices)
        )
    ]


def quantize_calibrated(fp32: Path, out: Path, nodes: list[str], calibration: Iterable[dict]) -> Path:
    """QDQ INT8: weights per channel, activations on scales fixed by the calibration inputs."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Feeds(CalibrationDataReader):
        def __init__(self, feeds: list[dict]):
            self.feeds = iter(feeds)

        def get_next(self) -> dict | None:
            return next(self.feeds, None)

    feeds = list(calibration)
    if not feeds:
        raise ValueError("int8-static needs calibration inputs (texts of the training set)")
    quantize_static(
        str(fp32),
        str(out),
        Feeds(feeds),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        reduce_range=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
        nodes_to_quantize=nodes,
    )
    return out


def calibration_inputs(folder: Path, texts: Iterable[str], labels: Sequence[str]) -> Iterator[dict]:
    """One model input per text, built as serving builds it (the export folder's tokenizer and
    config), for int8-static to measure activation ranges on."""
    from distil_runtime.bundle import CONFIG, ModelConfig
    from distil_runtime.encoding import Encoder
    from distil_runtime.words import split_words

    config = ModelConfig.read(folder / CONFIG)
    encoder = Encoder(folder, config)
    for text in texts:
        words = [w.text for w in split_words(text)][: config.max_len]
        if words:
            yield encoder.encode([words], labels)
