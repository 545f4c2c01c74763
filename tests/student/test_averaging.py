"""Checkpoint averaging: the mean of the last evaluated weights, scored on dev and kept only where
dev prefers it; what is saved is what was scored."""

from __future__ import annotations

import pytest
import torch

from corpus.conll import read_conll
from corpus.model import Annotator, AnnotatorKind, Split
from corpus.store import Store
from student.averaging import WeightAverage


def test_the_mean_of_floating_weights_and_the_last_integer_buffers():
    model = torch.nn.Linear(2, 1)
    model.register_buffer("positions", torch.tensor([0, 1]))
    average = WeightAverage(2)
    for value, position in ((1.0, 5), (2.0, 6), (4.0, 7)):  # only the last two are kept
        torch.nn.init.constant_(model.weight, value)
        model.positions.fill_(position)
        average.add(model)
        assert average.ready == (value > 1.0)
    torch.nn.init.constant_(model.weight, 100.0)  # the live weights do not enter the mean
    average.load_into(model)
    assert torch.equal(model.weight, torch.full((1, 2), 3.0))
    assert torch.equal(model.positions, torch.tensor([7, 7]))


@pytest.mark.slow
def test_the_average_is_scored_on_dev_and_kept_only_where_dev_prefers_it(tmp_path, corpora):
    from gliner import GLiNER

    from student.config import Candidate, StudentConfig
    from student.data import build_training_set
    from student.train import dev_f1, train_candidate

    items = [i for i in read_conll(corpora / "wikigold/wikigold.conll.txt") if i.spans][:150]
    labels = ("PER", "ORG", "LOC", "MISC")
    config = StudentConfig(max_steps=36, eval_every=12, patience=10, min_dev_entities=0,
                           average_checkpoints=3, dev_fraction=0.3)  # fmt: skip
    with Store(f"sqlite:///{tmp_path}/pool.db") as store:
        store.add_labelled(items, Split.POOL, Annotator(AnnotatorKind.HUMAN, "gold:wikigold"))
        data = build_training_set(store, labels, dev_fraction=config.dev_fraction)
    said: list[str] = []
    student = train_candidate(data, Candidate(), config, tmp_path / "run", said.append)
    averaged = [e for e in student.log if e.get("averaged")]
    assert len(averaged) == 1 and averaged[0]["averaged"] == 3 and averaged[0]["step"] == 36
    singles = [e["dev_f1"] for e in student.log if not e.get("averaged") and e["step"] > 0]
    assert any("average of the last 3 checkpoints" in line for line in said)
    if averaged[0]["dev_f1"] > max(singles):
        assert student.averaged_checkpoints == 3 and student.best_step == 36
    else:
        assert student.averaged_checkpoints == 0 and student.best_step in (12, 24, 36)
    chosen = averaged[0] if student.averaged_checkpoints else next(
        e for e in student.log if e["step"] == student.best_step and not e.get("averaged")
    )  # fmt: skip
    saved = GLiNER.from_pretrained(str(student.path), local_files_only=True)
    assert dev_f1(saved, data.dev, list(labels), config)[0] == pytest.approx(chosen["dev_f1"], abs=1e-4)
