"""Several candidates in one run, the best on dev F1 wins; the same seed gives the same model."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

from corpus.conll import read_conll
from corpus.model import Annotator, AnnotatorKind, Split
from corpus.store import Store
from student.config import Candidate, StudentConfig
from student.data import build_training_set
from student.train import train_candidate, train_candidates

pytestmark = pytest.mark.slow
LABELS = ("PER", "ORG", "LOC", "MISC")


@pytest.fixture(scope="module")
def data(tmp_path_factory, corpora):
    items = [i for i in read_conll(corpora / "wikigold/wikigold.conll.txt") if i.spans][:80]
    with Store(f"sqlite:///{tmp_path_factory.mktemp('cand') / 's.db'}") as store:
        store.add_labelled(items, Split.POOL, Annotator(AnnotatorKind.HUMAN, "gold"))
        return build_training_set(store, LABELS, dev_fraction=0.2)


def weights(path):
    files = sorted(path.glob("*.safetensors"))
    return load_file(files[0]) if files else torch.load(next(path.glob("*.bin")), map_location="cpu")


def test_candidates_are_ranked_by_dev_f1(data, tmp_path):
    config = StudentConfig(
        max_steps=12,
        eval_every=6,
        min_dev_entities=0,
        candidates=[
            Candidate(learning_rate=1e-7, head_learning_rate=1e-7),
            Candidate(learning_rate=5e-5, head_learning_rate=1e-3),
        ],
    )
    trained = train_candidates(lambda _: data, config, tmp_path, progress=lambda _: None)
    assert len(trained) == 2
    assert trained[0].dev_f1 >= trained[1].dev_f1
    assert {s.candidate["learning_rate"] for s in trained} == {1e-7, 5e-5}
    assert all((s.path / "distil_student.json").exists() for s in trained)


def test_a_dev_split_too_small_to_judge_keeps_the_candidates_in_the_order_listed(data, tmp_path):
    """Dev F1 on a few entities is noise between candidates too: the first listed is the winner,
    even where the second scored higher on dev, and the run says why."""
    config = StudentConfig(
        max_steps=24,
        eval_every=12,
        min_dev_entities=10_000,
        candidates=[  # 24 steps leave the first answering nothing yet; the second keeps its fresh heads
            Candidate(learning_rate=5e-5, head_learning_rate=3e-3),
            Candidate(learning_rate=1e-7, head_learning_rate=1e-7),
        ],
    )
    said = []
    trained = train_candidates(lambda _: data, config, tmp_path, progress=said.append)
    assert [s.candidate["learning_rate"] for s in trained] == [5e-5, 1e-7]
    assert trained[1].dev_f1 > trained[0].dev_f1  # sorted by dev F1, the order would have flipped
    assert any("too few to choose candidates by: the first listed (minilm) is kept" in line for line in said)


def test_same_seed_same_model(data, tmp_path):
    config = StudentConfig(max_steps=6, eval_every=6, seed=11)
    first = train_candidate(data, Candidate(), config, tmp_path / "a", progress=lambda _: None)
    second = train_candidate(data, Candidate(), config, tmp_path / "b", progress=lambda _: None)
    assert first.log == second.log
    a, b = weights(first.path), weights(second.path)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_a_dev_split_too_small_to_judge_keeps_the_last_checkpoint(data, tmp_path):
    """16 dev sentences hold fewer entities than min_dev_entities: every evaluation is saved, the
    last one is what ships, and training runs all its steps whatever dev F1 says."""
    config = StudentConfig(max_steps=12, eval_every=4, patience=1, min_dev_entities=10_000)
    said = []
    student = train_candidate(data, Candidate(), config, tmp_path, progress=said.append)
    assert [entry["step"] for entry in student.log] == [0, 4, 8, 12]
    assert student.best_step == student.steps == 12
    assert any("the last checkpoint is kept" in line for line in said)
