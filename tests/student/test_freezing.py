"""frozen_layers: the encoder's embeddings and lowest layers keep the base's weights; the rest trains."""

from __future__ import annotations

import pytest
import torch

from corpus.conll import read_conll
from corpus.model import Annotator, AnnotatorKind, Split
from corpus.store import Store
from student.backbone import load_base
from student.config import Candidate, StudentConfig
from student.data import build_training_set
from student.freezing import FreezeError, freeze_lower_layers
from student.train import train_candidate

pytestmark = pytest.mark.slow
LABELS = ("PER", "ORG", "LOC", "MISC")
ENCODER = "token_rep_layer.bert_layer.model."


def trainable_names(model) -> set[str]:
    return {name for name, p in model.model.named_parameters() if p.requires_grad}


def test_the_embeddings_and_lower_layers_are_frozen_and_the_rest_trains():
    model = load_base("minilm")
    everything = {name for name, _ in model.model.named_parameters()}
    trainable, total = freeze_lower_layers(model, 4)
    left = trainable_names(model)
    assert not any(n.startswith(ENCODER + "embeddings.") for n in left)
    assert not any(n.startswith(f"{ENCODER}encoder.layer.{i}.") for i in range(4) for n in left)
    upper = {n for n in everything if n.startswith(tuple(f"{ENCODER}encoder.layer.{i}." for i in (4, 5)))}
    assert upper and upper <= left
    heads = {n for n in everything if not n.startswith(ENCODER)}
    assert heads and heads <= left  # the GLiNER heads always train
    sizes = dict(model.model.named_parameters())
    assert trainable == sum(sizes[n].numel() for n in left) < total


def test_nothing_is_frozen_by_default():
    model = load_base("minilm")
    trainable, total = freeze_lower_layers(model, 0)
    assert trainable == total


def test_more_layers_than_the_encoder_has_is_a_clear_error():
    with pytest.raises(FreezeError, match="frozen_layers = 7, but this base's encoder has 6 layers"):
        freeze_lower_layers(load_base("minilm"), 7)


def test_training_leaves_the_frozen_weights_as_the_base_had_them(corpora, tmp_path):
    items = [i for i in read_conll(corpora / "wikigold/wikigold.conll.txt") if i.spans][:40]
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        store.add_labelled(items, Split.POOL, Annotator(AnnotatorKind.HUMAN, "gold"))
        data = build_training_set(store, LABELS, dev_fraction=0.2)
    said = []
    config = StudentConfig(max_steps=4, eval_every=4, min_dev_entities=0)
    candidate = Candidate(base="minilm", frozen_layers=5)
    student = train_candidate(data, candidate, config, tmp_path / "s", said.append)
    base = load_base("minilm").model.state_dict()  # the same seed: the same fresh heads
    trained = torch.load(student.path / "pytorch_model.bin", map_location="cpu")
    same = {k for k, v in trained.items() if torch.equal(v, base[k])}
    assert {k for k in trained if k.startswith(f"{ENCODER}encoder.layer.4.")} <= same
    assert {k for k in trained if k.startswith(f"{ENCODER}embeddings.")} <= same
    top = {k for k in trained if k.startswith(f"{ENCODER}encoder.layer.5.")}
    assert not top <= same  # the top layer learnt
    assert not {k for k in trained if not k.startswith(ENCODER)} <= same  # and the heads
    assert any("lowest 5 layers frozen" in line for line in said)
