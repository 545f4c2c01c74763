"""Repeated routed/random pairs read as repeats of one experiment: each pair one observation, so
the interval holds how far the training seed and the random draw move a student."""

from __future__ import annotations

from benchmarks.review_budget_pairs import across_repeats


def pairs(*gaps: float) -> list[tuple[dict, dict]]:
    return [({"F1": 0.5 + gap}, {"F1": 0.5}) for gap in gaps]


def test_three_gaps_give_their_mean_with_a_t_interval():
    # mean 0.03, sd 0.06, t(2) 4.303: 4.303 x 0.06 / sqrt(3) = 0.149 either side
    text = across_repeats(pairs(0.09, -0.03, 0.03))
    assert text.startswith("; the 3 pairs taken as repeats (the training seed's and the draw's noise")
    assert "+0.030 [-0.12, +0.18], within that noise" in text
    # (1.96 x 0.06 / 0.03)^2 = 15.4: sixteen pairs would bound a gap of 0.03 at this spread
    assert text.endswith("(at this spread about 16 pairs would tell a gap of this size)")


def test_gaps_that_agree_are_beyond_the_noise_and_need_no_more_pairs():
    text = across_repeats(pairs(0.10, 0.12, 0.11))
    assert "+0.110 [+0.09, +0.13], beyond that noise" in text and "would tell" not in text


def test_one_pair_is_no_repeat():
    assert across_repeats(pairs(0.2)) == ""
