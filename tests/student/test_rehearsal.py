"""keep_labels: a base's own answers for the labels it knew train alongside the new labels."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from corpus.conll import read_conll
from corpus.model import Annotator, AnnotatorKind, Split
from corpus.store import Store
from student.config import Candidate, StudentConfig
from student.data import build_training_set
from student.predict import predict
from student.rehearsal import KEEP_THRESHOLD, with_kept_labels
from student.train import TrainedStudent, answering_threshold, train_candidate


def test_keep_labels_needs_a_base_that_knows_them():
    with pytest.raises(ValidationError, match="keep_labels needs a base that already knows them"):
        Candidate(base="minilm", keep_labels=["PER"])
    # the default settles on minilm offline: a base that must know labels is named, not left to "auto"
    with pytest.raises(ValidationError, match="'auto' may start from 'minilm' offline"):
        Candidate(keep_labels=["PER"])
    assert Candidate(base="urchade/gliner_small-v2.1", keep_labels=["person"]).keep_labels == ["person"]


@pytest.fixture(scope="module")
def locations_only(tmp_path_factory, corpora):
    """Wikigold sentences labelled with LOC alone: the new task. The base knows PER too."""
    items = [i for i in read_conll(corpora / "wikigold/wikigold.conll.txt") if i.spans][300:360]
    with Store(f"sqlite:///{tmp_path_factory.mktemp('keep') / 's.db'}") as store:
        store.add_labelled(items, Split.POOL, Annotator(AnnotatorKind.HUMAN, "gold"))
        return build_training_set(store, ("LOC",), dev_fraction=0.2)


@pytest.mark.slow
def test_the_bases_answers_for_kept_labels_join_the_training_documents(trained_students, locations_only):
    from gliner import GLiNER

    _, good, _ = trained_students
    base = GLiNER.from_pretrained(str(good.path), local_files_only=True)
    config = StudentConfig()
    kept = with_kept_labels(locations_only, base, ["PER", "LOC"], config, good.threshold)

    assert kept.labels == ("LOC",) and kept.kept_labels == ("PER",)  # LOC is the task's own
    assert kept.dev == locations_only.dev  # checkpoints are still chosen on the new labels alone
    answers = predict(base, [e.document.text for e in locations_only.train], ["PER"], good.threshold)
    added_total = 0
    for before, after, answer in zip(locations_only.train, kept.train, answers, strict=True):
        added = [s for s in after.spans if s not in before.spans]
        assert set(before.spans) <= set(after.spans)  # nothing of the document's own is lost
        assert all(s.label == "PER" for s in added)
        assert all(not (s.start < o.end and o.start < s.end) for s in added for o in before.spans)
        # every answer of the base is added unless it overlaps one of the document's own spans
        overlapping = [a for a in answer if any(a.start < o.end and o.start < a.end for o in before.spans)]
        assert sorted(added) == sorted(a for a in answer if a not in overlapping)
        added_total += len(added)
    assert added_total > 0 and kept.counts["kept-label spans"] == added_total
    assert kept.hash != locations_only.hash  # what was trained on differs, so the recorded hash does


@pytest.mark.slow
def test_a_candidate_keeping_labels_trains_on_them_and_ships_only_its_own(
    trained_students, locations_only, tmp_path
):
    _, good, _ = trained_students
    lines = []
    candidate = Candidate(base=str(good.path), keep_labels=["PER"])
    config = StudentConfig(max_steps=8, eval_every=8)
    student = train_candidate(locations_only, candidate, config, tmp_path / "s", progress=lines.append)

    assert answering_threshold(str(good.path)) == (good.threshold, {})  # the base's own
    assert good.threshold < KEEP_THRESHOLD
    assert answering_threshold("urchade/gliner_small-v2.1") == (KEEP_THRESHOLD, {})
    assert student.labels == ["LOC"]  # the bundle, thresholds and dev see the guidelines' labels only
    assert student.counts["kept-label spans"] > 0
    assert student.candidate["keep_labels"] == ["PER"]
    assert any(line.startswith("keeping PER:") for line in lines)


def test_a_base_with_thresholds_of_its_own_per_label_answers_at_them(tmp_path):
    earlier = TrainedStudent(tmp_path, "minilm", {}, ["PER", "LOC"], "h", 0.8, 0.0, 0.3, [], 100, 100, 10.0,
                             8.0, "cpu", label_thresholds={"PER": 0.6})  # fmt: skip
    earlier.save()  # what an earlier student records beside its weights
    assert answering_threshold(str(tmp_path)) == (0.3, {"PER": 0.6})


@pytest.mark.slow
def test_kept_labels_are_taken_at_their_own_thresholds(trained_students, locations_only):
    from gliner import GLiNER

    _, good, _ = trained_students
    base = GLiNER.from_pretrained(str(good.path), local_files_only=True)
    everything = with_kept_labels(locations_only, base, ["PER"], StudentConfig(), 0.1)
    stricter = with_kept_labels(locations_only, base, ["PER"], StudentConfig(), 0.1, {"PER": 0.7})
    spans = [s for e in everything.train for s in e.spans if s.label == "PER"]
    sure = [s for e in stricter.train for s in e.spans if s.label == "PER"]
    assert sure == [s for s in spans if s.score >= 0.7] and len(sure) < len(spans)
