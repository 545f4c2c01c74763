"""distil_runtime returns the spans gliner's own ONNX path returns, on real corpora, long texts
included, and batching by length changes nothing.

gliner is run one window at a time (batch 1): dynamic INT8 computes its activation scales over
the whole batch, so under gliner's input-order batches a text's scores depend on its neighbours
(measured: up to 0.3 on a logit). FP32 has no such coupling, so there the runtime's length-sorted
batches must give exactly what batch 1 gives.
"""

from __future__ import annotations

import pytest
from distil_runtime import NerModel

from corpus.conll import read_conll
from export.gate import quiet_onnx_logging
from export.onnx import export_fp32
from export.quantization import INT8, quantize
from student.predict import predict

pytestmark = pytest.mark.slow

CORPORA = {  # validation slices the student never trained on, with their own label sets
    "wikigold/wikigold.conll.txt": (slice(300, 380), ["PER", "ORG", "LOC", "MISC"]),
    "wnut17/emerging.dev.conll": (slice(0, 60), ["person", "location", "corporation", "product"]),
    "ncbi-disease/devel.tsv": (slice(0, 60), ["Disease"]),
}


@pytest.fixture(scope="module")
def exported(trained_students, tmp_path_factory):
    from gliner import GLiNER

    _, good, _ = trained_students
    folder = tmp_path_factory.mktemp("onnx")
    export_fp32(GLiNER.from_pretrained(str(good.path), local_files_only=True), folder, "public/base")
    with quiet_onnx_logging():
        quantize(folder / "model.onnx", folder / "model.int8.onnx", INT8)
    return folder


def _texts(corpora, path, chosen):
    texts = [i.document.text for i in read_conll(corpora / path)][chosen]
    return [*texts, " ".join(texts)]  # one text far past the 256-word window: read in windows


def _gliner_onnx(folder, onnx_file):
    from gliner import GLiNER

    return GLiNER.from_pretrained(
        str(folder), load_onnx_model=True, onnx_model_file=onnx_file, local_files_only=True
    )


def _keys(found):
    return [[(s.start, s.end, s.label) for s in spans] for spans in found]


@pytest.mark.parametrize("onnx_file", ["model.onnx", "model.int8.onnx"])
def test_runtime_spans_equal_gliner_onnx_on_real_corpora(exported, corpora, onnx_file):
    reference, runtime = _gliner_onnx(exported, onnx_file), NerModel.load(exported, onnx_file)
    compared = 0
    for path, (chosen, labels) in CORPORA.items():
        texts = _texts(corpora, path, chosen)
        assert len(texts[-1].split()) > 600
        expected = predict(reference, texts, labels, 0.2, batch_size=1)
        got = predict(runtime, texts, labels, 0.2, batch_size=1)
        assert _keys(got) == _keys(expected), path
        for a, b in zip(sum(got, []), sum(expected, []), strict=True):
            assert abs(a.score - b.score) <= 1e-4
        compared += sum(map(len, expected))
    assert compared > 300, "the student predicts enough to compare"


def test_a_labels_own_threshold_filters_that_label_alike_in_both(exported, corpora):
    """A bundle's per-label thresholds: decoded at the lowest, each label then kept above its own;
    the runtime and distil's gliner path agree, and only that label changes."""
    reference, runtime = _gliner_onnx(exported, "model.onnx"), NerModel.load(exported)
    texts = _texts(corpora, "wikigold/wikigold.conll.txt", slice(300, 380))
    labels = ["PER", "ORG", "LOC", "MISC"]
    everything = predict(runtime, texts, labels, 0.2)
    found = [s for spans in everything for s in spans]
    label = max(labels, key=lambda name: sum(s.label == name for s in found))  # the most found
    scores = sorted({s.score for s in found if s.label == label})
    middle = len(scores) // 2  # halfway between two of its scores: about half fall under it, none on it
    own = {label: (scores[middle - 1] + scores[middle]) / 2}
    got = predict(runtime, texts, labels, 0.2, by_label=own)
    assert _keys(got) == _keys(predict(reference, texts, labels, 0.2, by_label=own))
    expected = [[s for s in spans if s.label != label or s.score >= own[label]] for spans in everything]
    assert _keys(got) == _keys(expected)
    assert len(scores) >= 10 and sum(map(len, expected)) < len(found), "some of its spans score under"
    assert any(s.label == label for spans in got for s in spans), "and some above"


def test_length_sorted_batches_give_what_batch_one_gives(exported, corpora):
    runtime = NerModel.load(exported)
    texts = _texts(corpora, "wikigold/wikigold.conll.txt", slice(300, 380))
    labels = ["PER", "ORG", "LOC", "MISC"]
    one = runtime.extract(texts, labels, 0.2, batch_size=1)
    assert sum(map(len, one)) > 50
    assert runtime.extract(texts, labels, 0.2, batch_size=32) == one


def test_exported_config_names_no_build_path(exported):
    text = (exported / "gliner_config.json").read_text(encoding="utf-8")
    assert "/site-packages/" not in text and str(exported) not in text and "/work/" not in text


def test_the_export_asks_each_label_in_the_words_the_student_was_trained_with(
    exported, corpora, trained_students
):
    """The student trained on the guidelines' titles (the default): its ONNX export carries them
    and asks "person" when PER is wanted, answering PER."""
    _, good, _ = trained_students
    words = {"PER": "person", "ORG": "organisation", "LOC": "location", "MISC": "miscellaneous"}
    assert good.label_prompts == words
    runtime = NerModel.load(exported)
    assert runtime.files.config.label_prompts == words
    texts = _texts(corpora, "wikigold/wikigold.conll.txt", slice(300, 340))
    by_name = runtime.extract(texts, list(words), 0.2)
    by_words = runtime.extract(texts, list(words.values()), 0.2)  # no prompt for these: asked as is
    back = {prompt: name for name, prompt in words.items()}
    assert sum(map(len, by_name)) > 20
    assert [[(e.start, e.end, e.label, e.score) for e in found] for found in by_name] == [
        [(e.start, e.end, back[e.label], e.score) for e in found] for found in by_words
    ]
