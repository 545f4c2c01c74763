"""The promotion gate on real scores: a worse or INT8-failing candidate is refused, the interval
of the difference is paired, and the production link switches atomically."""

from __future__ import annotations

from corpus.metrics import score
from corpus.model import Span
from export.promotion import decide, point_production

GOLD = [[Span(0, 5, "PER")], [Span(0, 5, "LOC")], [Span(0, 5, "ORG")], [Span(6, 9, "PER")]] * 5


def scores_with(correct_documents: int):
    predicted = [g if i < correct_documents else [Span(0, 2, "PER")] for i, g in enumerate(GOLD)]
    return score(GOLD, predicted, bootstrap=0)


def test_first_model_is_promoted_when_its_int8_passed():
    decision = decide(scores_with(15), None, candidate_passed_int8=True, margin=0.5)
    assert decision.allowed and decision.production_f1 is None


def test_worse_candidate_is_refused_with_the_numbers():
    decision = decide(scores_with(10), scores_with(15), True, margin=0.5, bootstrap=200)
    assert not decision.allowed
    assert decision.delta_points == -25.0 and "-25.00 points" in decision.reasons[0]
    low, high = decision.delta_interval
    assert low <= -25.0 <= high and high < 0


def test_better_candidate_needs_the_margin():
    assert decide(scores_with(16), scores_with(15), True, margin=0.5, bootstrap=50).allowed
    assert not decide(scores_with(16), scores_with(15), True, margin=10.0, bootstrap=50).allowed
    assert not decide(scores_with(15), scores_with(15), True, margin=0.0, bootstrap=50).allowed


def test_candidate_whose_int8_failed_is_refused_even_when_better():
    decision = decide(scores_with(20), scores_with(5), candidate_passed_int8=False, margin=0.5)
    assert not decision.allowed and "INT8" in decision.reasons[0]


def test_production_link_switches(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    link = tmp_path / "models" / "production"
    point_production(link, a)
    assert link.resolve() == a.resolve()
    point_production(link, b)
    assert link.resolve() == b.resolve() and not (link.parent / ".production.switch").exists()


def test_the_production_link_still_resolves_when_the_project_moves(tmp_path):
    """The link is relative: the host finds the bundle a worker promoted at /project."""
    import shutil

    project = tmp_path / "worker-mount"
    bundle = project / "models" / "m1" / "bundle"
    bundle.mkdir(parents=True)
    point_production(project / "models" / "production", bundle)
    moved = shutil.move(project, tmp_path / "host-checkout")
    link = moved / "models" / "production"
    assert link.is_symlink() and link.resolve() == (moved / "models" / "m1" / "bundle").resolve()
