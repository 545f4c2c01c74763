"""teacher_negatives: a teacher document's unlabelled spans train as negatives only in part (they
may be entities the teacher missed); its positives and a human document's spans always train."""

from __future__ import annotations

import pytest
import torch

from student.config import Candidate, StudentConfig
from student.teacher_negatives import TeacherNegatives
from student.train import _trainer, training_arguments
from tests.student.origin_rows import mixed_training_set, origins_of

pytestmark = pytest.mark.slow


def one_batch(model, tmp_path, keep: float) -> tuple[dict, list[str]]:
    data = mixed_training_set()
    config = StudentConfig(batch_size=len(data.train), group_by_length=False)
    candidate = Candidate(base="minilm", teacher_negatives=keep)
    arguments = training_arguments(candidate, config, tmp_path, cuda=False)
    trainer = _trainer(model, data, candidate, config, arguments, tracker=None)
    assert isinstance(trainer.data_collator, TeacherNegatives)
    batch = next(iter(trainer.get_train_dataloader()))
    return batch, origins_of(batch)  # the sampler shuffles


def test_a_share_of_the_teachers_unlabelled_spans_is_left_out_of_the_loss(minilm, tmp_path):
    full, origins = one_batch(minilm, tmp_path, keep=1.0)
    sparse, same_origins = one_batch(minilm, tmp_path, keep=0.25)
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


def test_the_same_seed_leaves_out_the_same_spans(minilm, tmp_path):
    first, _ = one_batch(minilm, tmp_path, keep=0.5)
    again, _ = one_batch(minilm, tmp_path, keep=0.5)
    assert torch.equal(first["span_mask"], again["span_mask"])
