"""Thresholds chosen on dev: one for every label, then a label's own only where dev F1 gains."""

from __future__ import annotations

import pytest

from corpus.model import Span
from student import thresholds

GRID = [0.1, 0.3, 0.5, 0.7, 0.9]
# two documents, predicted at the lowest threshold. PER's right answers score low (0.35) and its
# wrong one lower (0.15); LOC's right answer scores 0.8 and its wrong ones 0.4 and 0.6.
GOLD = [[Span(0, 4, "PER"), Span(10, 15, "LOC")], [Span(0, 3, "PER")]]
LOW = [
    [Span(0, 4, "PER", 0.35), Span(10, 15, "LOC", 0.8), Span(20, 24, "LOC", 0.6)],
    [Span(0, 3, "PER", 0.35), Span(5, 9, "PER", 0.15), Span(12, 16, "LOC", 0.4)],
]


def test_a_threshold_keeps_the_spans_at_or_above_their_labels_own():
    spans = LOW[1]
    assert thresholds.kept(spans, 0.35) == [spans[0], spans[2]]
    assert thresholds.kept(spans, 0.9, {"PER": 0.1}) == spans[:2]
    assert thresholds.lowest(0.5, {"PER": 0.3, "LOC": 0.7}) == 0.3 and thresholds.lowest(0.5) == 0.5


def test_the_sweep_picks_the_best_single_threshold_and_draws_its_curve():
    best, curve = thresholds.sweep(GOLD, LOW, GRID)
    assert [t for t, _ in curve] == GRID
    # at 0.3: 3 right, 2 wrong (LOC 0.6, LOC 0.4) of 3 gold -> F1 0.75; at 0.5 and above PER is lost
    assert best == 0.3 and dict(curve)[0.3] == pytest.approx(0.75)
    assert dict(curve)[0.7] == pytest.approx(0.5)  # only LOC 0.8: P 1, R 1/3


def test_a_near_tie_on_dev_goes_to_the_lower_threshold():
    # F1 0.667 at 0.1 (every right span, three wrong) against the best, 0.75 at 0.3
    assert thresholds.sweep(GOLD, LOW, GRID, tolerance=0.1)[0] == 0.1
    assert thresholds.sweep(GOLD, LOW, GRID, tolerance=0.05)[0] == 0.3
    # without one, exact ties (a dev split that cannot tell thresholds apart) keep GLiNER's usual 0.5
    assert thresholds.sweep([[Span(0, 4, "PER")]], [[Span(0, 4, "PER", 0.95)]], GRID)[0] == 0.5


def test_each_label_gets_its_own_threshold_only_where_dev_f1_gains():
    by_label = thresholds.per_label(GOLD, LOW, ["PER", "LOC"], GRID, 0.3)
    # LOC alone at 0.7 drops both wrong LOC spans (F1 0.75 -> 1.0); PER stays on the shared 0.3
    # (0.1 would add its wrong span, 0.5 would lose its right ones): not listed
    assert by_label == {"LOC": 0.7}
    assert thresholds.micro_f1(GOLD, LOW, 0.3, by_label) == pytest.approx(1.0)


def test_a_tie_keeps_the_shared_threshold():
    gold, low = [[Span(0, 4, "PER")]], [[Span(0, 4, "PER", 0.9)]]
    assert thresholds.per_label(gold, low, ["PER"], GRID, 0.5) == {}


def test_the_sweep_says_what_the_chosen_threshold_cost_held_out():
    dev = [(0.1, 0.3), (0.5, 0.4), (0.6, 0.45)]
    costly = thresholds.ThresholdSweep(0.6, dev, [(0.1, 0.304), (0.5, 0.243), (0.6, 0.146)])
    assert "0.146 at 0.6, 0.304 at the grid's best (0.1)" in costly.summary()
    assert "Dev chose far from the best" in costly.summary()
    # within COSTLY of the best: no advice
    close = thresholds.ThresholdSweep(0.5, dev, [(0.1, 0.25), (0.5, 0.243), (0.6, 0.243)], {"PER": 0.3})
    assert close.summary().startswith("Threshold chosen on dev: 0.5 (and for PER 0.3);")
    assert "far from" not in close.summary() and "0.250 at the grid's best (0.1)" in close.summary()
    # before the held-out set is scored there is nothing to compare
    assert thresholds.ThresholdSweep(0.5, dev).summary() == "Threshold chosen on dev: 0.5."


def test_of_thresholds_tied_best_held_out_the_one_nearest_the_chosen_is_named():
    sweep = thresholds.ThresholdSweep(0.5, [], [(0.1, 0.3), (0.4, 0.3), (0.5, 0.2)])
    assert sweep.held_out_best() == (0.4, 0.3)


def test_near_ties_go_lower_only_where_most_of_dev_is_the_teachers():
    from corpus.model import Document
    from student.config import StudentConfig
    from student.data import Example
    from student.train import tolerance_for

    def dev(*origins):
        return [Example(Document(f"text {i}"), [], origin) for i, origin in enumerate(origins)]

    config = StudentConfig()
    assert tolerance_for(dev("teacher", "teacher", "human"), config) == config.teacher_dev_tolerance == 0.05
    assert tolerance_for(dev("teacher", "human"), config) == 0.0  # half is not most: dev's best
    assert tolerance_for(dev("human"), StudentConfig(threshold_tolerance=0.02)) == 0.02  # any dev
    assert tolerance_for(dev("teacher"), StudentConfig(teacher_dev_tolerance=0.0)) == 0.0
