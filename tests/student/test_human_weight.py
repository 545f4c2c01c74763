"""human_weight: each reviewed (human-labelled) document is trained on that many times as often as a
teacher-labelled one, so a few reviewed documents among many teacher ones are not drowned out."""

from __future__ import annotations

from collections import Counter

import pytest

from student.config import Candidate, StudentConfig
from student.train import _trainer, training_arguments
from tests.student.origin_rows import mixed_training_set, origins_of

pytestmark = pytest.mark.slow


def one_epoch(model, tmp_path, human_weight: int) -> Counter:
    """How often each origin's documents come out of the trainer's data loader in one epoch."""
    config = StudentConfig(batch_size=2, group_by_length=True)
    candidate = Candidate(base="minilm", human_weight=human_weight)
    arguments = training_arguments(candidate, config, tmp_path, cuda=False)
    trainer = _trainer(model, mixed_training_set(), candidate, config, arguments, tracker=None)
    return Counter(o for batch in trainer.get_train_dataloader() for o in origins_of(batch))


def test_each_reviewed_document_is_trained_on_human_weight_times(minilm, tmp_path):
    assert one_epoch(minilm, tmp_path, human_weight=1) == Counter(teacher=2, human=2)
    assert one_epoch(minilm, tmp_path, human_weight=3) == Counter(teacher=2, human=6)


def test_human_weight_is_a_whole_number_of_at_least_one():
    with pytest.raises(ValueError, match="human_weight"):
        Candidate(human_weight=0)
