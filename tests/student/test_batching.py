"""group_by_length: gliner's Trainer draws batches of texts of about the same length, so a batch
pads little; every training text is still drawn once an epoch."""

from __future__ import annotations

import pytest

from corpus.conll import read_conll
from corpus.model import Annotator, AnnotatorKind, Split
from corpus.store import Store
from student.backbone import load_base
from student.batching import LengthGroupedTrainer
from student.config import Candidate, StudentConfig
from student.data import build_training_set
from student.train import _trainer, training_arguments

pytestmark = pytest.mark.slow
LABELS = ("PER", "ORG", "LOC", "MISC")


@pytest.fixture(scope="module")
def data(corpora, tmp_path_factory):
    """400 wikigold sentences (1 to 100+ words) with their human labels."""
    items = list(read_conll(corpora / "wikigold/wikigold.conll.txt"))[:400]
    with Store(f"sqlite:///{tmp_path_factory.mktemp('batching') / 's.db'}") as store:
        store.add_labelled(items, Split.POOL, Annotator(AnnotatorKind.HUMAN, "gold"))
        return build_training_set(store, LABELS, dev_fraction=0.1)


def trainer_for(data, tmp_path, grouped: bool):
    config = StudentConfig(group_by_length=grouped, batch_size=8)
    model = load_base("minilm")
    arguments = training_arguments(Candidate(base="minilm"), config, tmp_path, cuda=False)
    return _trainer(model, data, Candidate(base="minilm"), config, arguments, tracker=None)


def padded_share(trainer) -> tuple[float, int]:
    """Tokens the batches hold, padding included, per token of text; and the texts drawn."""
    padded = real = drawn = 0
    for batch in trainer.get_train_dataloader():
        mask = batch["attention_mask"]
        padded, real, drawn = padded + mask.numel(), real + int(mask.sum()), drawn + mask.shape[0]
    return padded / real, drawn


def test_grouped_batches_pad_far_less_and_draw_every_text(data, tmp_path):
    grouped = trainer_for(data, tmp_path, grouped=True)
    assert isinstance(grouped, LengthGroupedTrainer)
    grouped_share, drawn = padded_share(grouped)
    random_share, random_drawn = padded_share(trainer_for(data, tmp_path, grouped=False))
    assert drawn == random_drawn == len(data.train)
    # 360 texts: 1.18 tokens per token of text grouped, 1.67 random (the label prompt is in both)
    assert grouped_share < 1.25 and grouped_share - 1 < (random_share - 1) / 2, (grouped_share, random_share)


def test_the_sampler_is_a_permutation_of_the_training_texts(data, tmp_path):
    sampler = trainer_for(data, tmp_path, grouped=True)._get_train_sampler()
    order = list(sampler)
    assert sorted(order) == list(range(len(data.train)))
