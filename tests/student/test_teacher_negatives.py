"""teacher_negatives: a teacher document's unlabelled spans train as negatives only in part (they
may be entities the teacher missed); its positives and a human document's spans always train."""

from __future__ import annotations

import pytest
import torch

from corpus.model import Document, Span
from student.backbone import load_base
from student.config import Candidate, StudentConfig
from student.data import Example, TrainingSet
from student.teacher_negatives import TeacherNegatives
from student.train import _trainer, training_arguments

pytestmark = pytest.mark.slow
LABELS = ("PER", "LOC")
TEXTS = [  # each starts with a person and has its own word count (how a batch row is told apart)
    "Anna Berg moved from Oslo to Bergen in the spring of that year with her two brothers",
    "Paul Martin chaired the committee in Geneva on Tuesday for the whole long session",
    "Maria Costa waited in Lisbon all week for the ferry to the islands",
    "Tom Hardy had never been to the town of Leeds before",
]


def example(text: str, origin: str) -> Example:
    """The first two words labelled a person; the places are left unlabelled, as a teacher misses them."""
    first, second = text.split()[:2]
    return Example(Document(text), [Span(0, len(first) + 1 + len(second), "PER")], origin)


@pytest.fixture(scope="module")
def model():
    return load_base("minilm")


def one_batch(model, tmp_path, keep: float) -> tuple[dict, list[Example]]:
    train = [example(t, "teacher") for t in TEXTS[:2]] + [example(t, "human") for t in TEXTS[2:]]
    data = TrainingSet(train=train, dev=[], labels=LABELS)
    config = StudentConfig(batch_size=len(train), group_by_length=False)
    arguments = training_arguments(Candidate(base="minilm"), config, tmp_path, cuda=False)
    trainer = _trainer(model, data, arguments, config, tracker=None, teacher_negatives=keep)
    assert isinstance(trainer.data_collator, TeacherNegatives)
    batch = next(iter(trainer.get_train_dataloader()))
    # the sampler shuffles: read each row's origin back from its words
    origins = {len(t.split()): e.origin for t, e in zip(TEXTS, train, strict=True)}
    return batch, [origins[int(n)] for n in batch["text_lengths"].flatten()]


def test_a_share_of_the_teachers_unlabelled_spans_is_left_out_of_the_loss(model, tmp_path):
    full, origins = one_batch(model, tmp_path, keep=1.0)
    sparse, same_origins = one_batch(model, tmp_path, keep=0.25)
    assert origins == same_origins
    assert torch.equal(full["labels"], sparse["labels"])
    positive = full["labels"].sum(-1) > 0
    for row, origin in enumerate(origins):
        kept, every = sparse["span_mask"][row], full["span_mask"][row]
        assert torch.equal(kept & positive[row], every & positive[row])  # every positive still trains
        if origin == "human":
            assert torch.equal(kept, every)
            continue
        unlabelled = every & ~positive[row]
        share = (kept & unlabelled).sum() / unlabelled.sum()
        assert 0.15 < share < 0.35, share  # ~170 unlabelled spans per text, a quarter kept
        assert not (kept & ~every).any()  # nothing padded comes back


def test_the_same_seed_leaves_out_the_same_spans(model, tmp_path):
    first, _ = one_batch(model, tmp_path, keep=0.5)
    again, _ = one_batch(model, tmp_path, keep=0.5)
    assert torch.equal(first["span_mask"], again["span_mask"])
