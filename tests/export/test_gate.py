"""The INT8 accuracy gate's decision: the first recipe within the F1 budget, else FP32 with the reason."""

from __future__ import annotations

from export.gate import choose


def test_int8_within_budget_ships():
    shipped, reason = choose(0.80, [("int8", 0.797)], budget=0.5)
    assert shipped == "int8" and "0.30" in reason


def test_selective_ships_when_full_int8_collapses():
    shipped, reason = choose(0.80, [("int8", 0.40), ("int8-selective", 0.799)], budget=0.5)
    assert shipped == "int8-selective"


def test_everything_over_budget_ships_fp32_saying_by_how_much():
    shipped, reason = choose(0.80, [("int8", 0.70), ("int8-selective", 0.79)], budget=0.5)
    assert shipped == "fp32"
    assert "int8 loses 10.00" in reason and "int8-selective loses 1.00" in reason and "0.50" in reason


def test_budget_is_inclusive_and_gains_pass():
    assert choose(0.80, [("int8", 0.795)], budget=0.5)[0] == "int8"
    assert choose(0.80, [("int8", 0.81)], budget=0.0)[0] == "int8"
    assert choose(0.80, [("int8", 0.7949)], budget=0.5)[0] == "fp32"


def test_quantization_off_ships_fp32():
    shipped, reason = choose(0.80, [], budget=0.5)
    assert shipped == "fp32" and "turned off" in reason


def test_an_int8_that_scores_higher_is_said_to_gain():
    recipe, reason = choose(0.50, [("int8", 0.51)], 0.5)
    assert recipe == "int8" and "int8 gains 1.00 F1 points" in reason and "loses" not in reason
