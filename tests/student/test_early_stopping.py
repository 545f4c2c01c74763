"""Which checkpoint is kept: the best on dev, or the last where dev is too small to judge."""

from __future__ import annotations

from student.config import StudentConfig
from student.early_stopping import BestOnDev
from student.train import too_small_to_judge


class Checkpoints:
    """Records what BestOnDev saves (the model's own save_pretrained, eval and train)."""

    def __init__(self):
        self.saved: list[str] = []

    def eval(self): ...

    def train(self): ...

    def save_pretrained(self, path: str) -> None:
        self.saved.append(path)


def run(scores: list[float], keep_last: bool) -> tuple[BestOnDev, Checkpoints]:
    model, queue = Checkpoints(), iter(scores)
    tracker = BestOnDev(model, lambda: (next(queue), {}), "best", lambda _: None, keep_last=keep_last)
    for step in range(1, len(scores) + 1):
        tracker.evaluate(step * 100, None)
    return tracker, model


def test_dev_f1_keeps_its_best_checkpoint_and_counts_the_evaluations_since():
    tracker, model = run([0.4, 0.6, 0.5, 0.55], keep_last=False)
    assert (tracker.best_step, tracker.best, tracker.stale) == (200, 0.6, 2)
    assert len(model.saved) == 2


def test_a_dev_too_small_to_judge_keeps_the_last_checkpoint_and_never_stops_early():
    tracker, model = run([1.0, 0.9, 0.9, 0.8], keep_last=True)
    assert (tracker.best_step, tracker.stale) == (400, 0)
    assert len(model.saved) == 4


def test_dev_is_too_small_below_min_dev_entities(corpora):
    from corpus.conll import read_conll
    from student.data import Example

    items = [i for i in read_conll(corpora / "wikigold/wikigold.conll.txt") if i.spans][:30]
    dev = [Example(i.document, list(i.spans), "human") for i in items]
    entities = sum(len(e.spans) for e in dev)
    said = []
    assert too_small_to_judge(dev, StudentConfig(min_dev_entities=entities + 1), said.append)
    assert f"dev holds {entities} entities" in said[0]
    assert not too_small_to_judge(dev, StudentConfig(min_dev_entities=entities), said.append)
    assert len(said) == 1
