"""The factored span head computes gliner's scores: the exported graph's logits equal the torch
model's (unfactored) on real sentences, the graph really is the factored one, and the model is
left as it was."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from distil_runtime import NerModel

from corpus.conll import read_conll
from export.onnx import export_fp32
from export.span_head import FactoredSpans, factor, factorable, restore

pytestmark = pytest.mark.slow
LABELS = ["PER", "ORG", "LOC", "MISC"]


@pytest.fixture(scope="module")
def student(trained_students):
    from gliner import GLiNER

    _, good, _ = trained_students
    return GLiNER.from_pretrained(str(good.path), local_files_only=True)


def _inputs(runtime: NerModel, text: str) -> dict[str, np.ndarray]:
    (piece,) = runtime.pieces([text], LABELS, 256, 32)
    return runtime.encoder.encode([[w.text for w in piece.words]], LABELS)


def _torch_logits(model, inputs: dict[str, np.ndarray]) -> np.ndarray:
    with torch.no_grad():
        out = model.model(**{k: torch.from_numpy(np.array(v)) for k, v in inputs.items()})
    return out.logits.numpy()


def test_exported_logits_equal_the_unfactored_model(student, corpora, tmp_path):
    texts = [i.document.text for i in read_conll(corpora / "wikigold/wikigold.conll.txt")][300:330]
    export_fp32(student, tmp_path)
    runtime = NerModel.load(tmp_path)
    assert type(student.model.span_rep_layer.span_rep_layer) is not FactoredSpans  # restored
    for text in texts:
        inputs = _inputs(runtime, text)
        (exported,) = runtime.session.run(["logits"], inputs)
        expected = _torch_logits(student, inputs)
        assert exported.shape == expected.shape
        np.testing.assert_allclose(exported, expected, atol=2e-4, rtol=1e-4)


def test_the_factored_graph_scores_per_word_not_per_span(student, tmp_path):
    import onnx

    assert factorable(student.model)
    export_fp32(student, tmp_path)
    graph = onnx.load(str(tmp_path / "model.onnx"), load_external_data=False).graph
    shapes = {w.name: tuple(w.dims) for w in graph.initializer}
    hidden = student.config.hidden_size
    # gliner's out_project runs a (2D -> 4D) matrix on every span; the factored graph has none
    assert (4 * hidden, 2 * hidden) not in shapes.values() and (2 * hidden, 4 * hidden) not in shapes.values()


def test_factor_and_restore_leave_torch_scores_unchanged(student, corpora, tmp_path):
    export_fp32(student, tmp_path)
    runtime = NerModel.load(tmp_path)
    inputs = _inputs(runtime, "Ada Lovelace worked with Charles Babbage in London .")
    before = _torch_logits(student, inputs)
    originals = factor(student.model)
    during = _torch_logits(student, inputs)
    restore(student.model, originals)
    np.testing.assert_allclose(during, before, atol=2e-4, rtol=1e-4)
    np.testing.assert_array_equal(_torch_logits(student, inputs), before)
