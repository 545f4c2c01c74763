"""human_weight: each reviewed (human-labelled) document is trained on that many times as often as a
teacher-labelled one, so a few reviewed documents among many teacher ones are not drowned out."""

from __future__ import annotations

from collections import Counter

import pytest

from student.config import Candidate, StudentConfig
from student.data import TrainingSet
from student.train import _trainer, training_arguments
from tests.student.test_teacher_negatives import TEXTS, example, model  # noqa: F401 (a fixture)

pytestmark = pytest.mark.slow
LABELS = ("PER", "LOC")


def one_epoch(model, tmp_path, human_weight: int) -> Counter:  # noqa: F811
    """How often each origin's documents come out of the trainer's data loader in one epoch."""
    train = [example(t, "teacher") for t in TEXTS[:2]] + [example(t, "human") for t in TEXTS[2:]]
    data = TrainingSet(train=train, dev=[], labels=LABELS)
    config = StudentConfig(batch_size=2, group_by_length=True)
    arguments = training_arguments(Candidate(base="minilm"), config, tmp_path, cuda=False)
    trainer = _trainer(model, data, arguments, config, tracker=None, human_weight=human_weight)
    origins = {len(t.split()): e.origin for t, e in zip(TEXTS, train, strict=True)}
    seen = Counter()
    for batch in trainer.get_train_dataloader():
        seen.update(origins[int(n)] for n in batch["text_lengths"].flatten())
    return seen


def test_each_reviewed_document_is_trained_on_human_weight_times(model, tmp_path):  # noqa: F811
    assert one_epoch(model, tmp_path, human_weight=1) == Counter(teacher=2, human=2)
    assert one_epoch(model, tmp_path, human_weight=3) == Counter(teacher=2, human=6)


def test_human_weight_is_a_whole_number_of_at_least_one():
    with pytest.raises(ValueError, match="human_weight"):
        Candidate(human_weight=0)
