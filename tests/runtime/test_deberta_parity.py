"""The pretrained GLiNER that the default base takes online (urchade/gliner_small-v2.1) has a
DeBERTa-v3 encoder and a SentencePiece tokenizer (Unigram, Metaspace), where the offline base is
BERT-like with WordPiece. Neither ships offline, so a tiny model of the same kinds stands in:
DeBERTa-v2 layers with random weights and a Unigram tokenizer trained on a wikigold slice. distil
exports it, and distil_runtime answers what PyTorch and gliner's own ONNX path answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from distil_runtime import NerModel

from corpus.conll import read_conll
from export.gate import quiet_onnx_logging
from export.onnx import export_fp32
from export.quantization import INT8, quantize
from student.predict import predict

pytestmark = pytest.mark.slow

SPECIALS = ["[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]"]
THRESHOLD = 0.1  # after 60 steps the tiny model's scores spread over 0.1-0.25: a few hundred spans


def _sentencepiece_tokenizer(texts: list[str]):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import DebertaV2TokenizerFast

    tokenizer = Tokenizer(models.Unigram())
    tokenizer.pre_tokenizer, tokenizer.decoder = pre_tokenizers.Metaspace(), decoders.Metaspace()
    tokenizer.train_from_iterator(
        texts, trainers.UnigramTrainer(vocab_size=2000, special_tokens=SPECIALS, unk_token="[UNK]")
    )
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", 1), ("[SEP]", 2)]
    )
    return DebertaV2TokenizerFast(
        tokenizer_object=tokenizer, pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        unk_token="[UNK]", mask_token="[MASK]", bos_token="[CLS]", eos_token="[SEP]",
    )  # fmt: skip


@pytest.fixture(scope="module")
def texts(corpora) -> list[str]:
    return [i.document.text for i in read_conll(corpora / "wikigold/wikigold.conll.txt")][:60]


@pytest.fixture(scope="module")
def exported(corpora, texts, tmp_path_factory) -> tuple[object, Path]:
    """(the PyTorch GLiNER, its export with model.onnx and model.int8.onnx), trained by distil for a
    few steps from the tiny encoder: random heads score every span near 0.5, where a rounding
    difference would flip a label."""
    import torch
    from gliner import GLiNER
    from transformers import DebertaV2Config, DebertaV2Model

    encoder = tmp_path_factory.mktemp("deberta")
    _sentencepiece_tokenizer(texts).save_pretrained(encoder)
    config = DebertaV2Config(
        vocab_size=2000,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
        relative_attention=True,
        pos_att_type=["p2c", "c2p"],
        position_buckets=256,
        norm_rel_ebd="layer_norm",
        share_att_key=True,
        position_biased_input=False,
    )  # fmt: skip: deberta-v3-small's kind of attention, at a test's size
    torch.manual_seed(0)
    DebertaV2Model(config).save_pretrained(encoder)
    student = _trained(corpora, encoder, tmp_path_factory.mktemp("student"))
    model = GLiNER.from_pretrained(str(student.path), local_files_only=True)
    folder = tmp_path_factory.mktemp("onnx")
    export_fp32(model, folder, "microsoft/deberta-v3-small")
    with quiet_onnx_logging():
        quantize(folder / "model.onnx", folder / "model.int8.onnx", INT8)
    return model, folder


def _trained(corpora, encoder: Path, out: Path):
    from corpus.model import Annotator, AnnotatorKind, Split
    from corpus.store import Store
    from student.config import Candidate, StudentConfig
    from student.data import build_training_set
    from student.train import train_candidate

    items = [i for i in read_conll(corpora / "wikigold/wikigold.conll.txt") if i.spans][60:200]
    with Store(f"sqlite:///{out / 'pool.db'}") as store:
        store.add_labelled(items, Split.POOL, Annotator(AnnotatorKind.HUMAN, "gold"))
        data = build_training_set(store, ("PER", "LOC"), dev_fraction=0.1)
    config = StudentConfig(max_steps=60, eval_every=60, max_width=8)
    return train_candidate(data, Candidate(base=str(encoder)), config, out / "student", lambda _: None)


def _keys(found):
    return [[(s.start, s.end, s.label) for s in spans] for spans in found]


@pytest.mark.parametrize("label", ["PER", "LOC"])
def test_the_runtime_answers_what_pytorch_answers(exported, texts, label):
    # one label per call: the briefly trained model scores some spans alike for PER and LOC, and
    # the two decoders break such ties in their own order
    model, folder = exported
    assert type(model.model.token_rep_layer.bert_layer.model).__name__ == "DebertaV2Model"
    expected = predict(model, texts[:20], [label], THRESHOLD, batch_size=1)
    got = predict(NerModel.load(folder, "model.onnx"), texts[:20], [label], THRESHOLD, batch_size=1)
    assert _keys(got) == _keys(expected)
    for a, b in zip(sum(got, []), sum(expected, []), strict=True):
        # scores come rounded to 4 decimals: one rounding unit apart (0.1684 against 0.1685) is
        # within 1e-4, though the float difference of the two reads 1.00000000000017e-4
        assert a.score == pytest.approx(b.score, abs=1e-4 + 1e-9)
    assert sum(map(len, expected)) > 20, "it scores enough spans to compare"


@pytest.mark.parametrize("onnx_file", ["model.onnx", "model.int8.onnx"])
def test_the_runtime_answers_what_gliners_onnx_path_answers(exported, texts, onnx_file):
    from gliner import GLiNER

    _, folder = exported
    reference = GLiNER.from_pretrained(
        str(folder), load_onnx_model=True, onnx_model_file=onnx_file, local_files_only=True
    )
    words = " ".join(texts)  # one text past the 256-word window: read in windows
    assert len(words.split()) > 300
    batch = [*texts[:20], words]
    expected = predict(reference, batch, ["PER"], THRESHOLD, batch_size=1)
    got = predict(NerModel.load(folder, onnx_file), batch, ["PER"], THRESHOLD, batch_size=1)
    assert _keys(got) == _keys(expected) and sum(map(len, expected)) > 20
