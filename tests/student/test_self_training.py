"""Self-training: a trained student labels the unlabelled pool documents it is sure of, and a
second student trains on them too."""

from __future__ import annotations

import dataclasses
import statistics
from types import SimpleNamespace

import pytest

from corpus.conll import read_conll
from corpus.model import Annotator, AnnotatorKind, Split
from corpus.store import Store
from student.config import Candidate, StudentConfig
from student.data import build_training_set
from student.predict import predict
from student.self_training import preferred, sure_examples
from student.train import TrainedStudent, train_and_self_train

pytestmark = pytest.mark.slow
LABELS = ("PER", "ORG", "LOC", "MISC")


@pytest.fixture(scope="module")
def wikigold(corpora, tmp_path_factory):
    """120 wikigold sentences with human labels; 60 more with none (the unlabelled pool)."""
    items = [i for i in read_conll(corpora / "wikigold/wikigold.conll.txt") if i.spans][600:780]
    with Store(f"sqlite:///{tmp_path_factory.mktemp('self') / 's.db'}") as store:
        store.add_labelled(items[:120], Split.POOL, Annotator(AnnotatorKind.HUMAN, "gold"))
        store.add_documents(item.document for item in items[120:])
        return build_training_set(store, LABELS, dev_fraction=0.15)


def test_a_document_is_kept_only_where_every_span_is_sure(trained_students, wikigold):
    from gliner import GLiNER

    _, good, _ = trained_students
    model = GLiNER.from_pretrained(str(good.path), local_files_only=True)
    found = predict(model, [d.text for d in wikigold.unlabelled], LABELS, good.threshold)
    weakest = [min(s.score for s in spans) for spans in found if spans]
    sure = statistics.median(weakest)  # half the documents with answers are sure, half are not
    config = StudentConfig(self_training=sure)

    kept = sure_examples(model, wikigold.unlabelled, wikigold, config, good.threshold)
    expected = {d.id: spans for d, spans in zip(wikigold.unlabelled, found, strict=True)
                if spans and min(s.score for s in spans) >= sure}  # fmt: skip
    assert 0 < len(kept) < len(weakest) and {e.document.id: e.spans for e in kept} == expected
    assert all(e.origin == "student" and e.spans for e in kept)  # nothing found: not "sure of nothing"


def test_the_second_student_trains_on_the_sure_documents(wikigold, tmp_path):
    # dev holds too few entities to choose by (min_dev_entities): the self-trained student is kept
    config = StudentConfig(max_steps=60, eval_every=30, self_training=0.3, min_dev_entities=10_000)
    student = train_and_self_train(wikigold, Candidate(base="minilm"), config, tmp_path / "c", lambda _: None)

    assert student.path.parent.name == "c-self-trained"
    first = TrainedStudent.load(tmp_path / "c" / "best")
    added = student.counts["self-trained"]
    assert 0 < added <= len(wikigold.unlabelled) and "self-trained" not in first.counts
    # recorded against the store's training set, as the first: a re-run finds it trained already
    assert student.training_set_hash == first.training_set_hash == wikigold.hash


def test_off_or_with_nothing_unlabelled_it_is_one_student(wikigold, tmp_path):
    config = StudentConfig(max_steps=4, eval_every=4)
    alone = train_and_self_train(wikigold, Candidate(base="minilm"), config, tmp_path / "off", lambda _: None)
    assert alone.path.parent.name == "off"
    nothing = dataclasses.replace(wikigold, unlabelled=[])
    on = config.model_copy(update={"self_training": 0.3})
    single = train_and_self_train(nothing, Candidate(base="minilm"), on, tmp_path / "none", lambda _: None)
    assert single.path.parent.name == "none" and not (tmp_path / "none-self-trained").exists()


def test_dev_keeps_the_first_student_where_it_scores_the_second_lower():
    first, second = SimpleNamespace(dev_f1=0.42), SimpleNamespace(dev_f1=0.40)
    said = []
    assert preferred(first, second, dev_can_judge=True, progress=said.append) is first
    assert "the first is kept" in said[-1]
    assert preferred(second, first, dev_can_judge=True, progress=said.append) is first  # a rise: kept
    # too few dev entities to judge by: the self-trained student, as the run asked for it
    assert preferred(first, second, dev_can_judge=False, progress=said.append) is second
    assert "too few entities" in said[-1]
