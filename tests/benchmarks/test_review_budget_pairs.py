"""Repeated routed/random pairs read as repeats of one experiment: each pair one observation, so
the interval holds how far the training seed and the random draw move a student."""

from __future__ import annotations

from benchmarks.review_budget_pairs import across_repeats, by_doubt, label_rate


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


def test_the_label_rate_runs_from_the_teacher_only_students_mean_to_the_all_gold_one():
    rows = {"teacher only": {"F1": 0.50, "labels_f1": 0.55}, "teacher only, seed 1": {"F1": 0.52},
            "all gold (ceiling)": {"F1": 0.66, "labels_f1": 1.0}}  # fmt: skip
    assert abs(label_rate(rows) - 0.15 / 0.45) < 1e-9
    rows["all gold (ceiling)"]["F1"] = 0.40  # gold taught less than the teacher's labels: no rate
    assert label_rate(rows) is None


def doubt_rows(*gaps: float) -> dict:
    """Doubt and random students per repeat, doubt `gap` F1 ahead, with the label rate at 1/3."""
    one = [[1, 0, 0]]
    rows = {
        "teacher only": {"F1": 0.51, "labels_f1": 0.55},
        "all gold (ceiling)": {"F1": 0.66, "labels_f1": 1.0},
    }
    for i, gap in enumerate(gaps):
        seed = f", seed {i}" if i else ""
        rows[f"random 10%{seed}"] = {"F1": 0.5, "per_document": one}
        rows[f"routed by doubt 10%{seed}"] = {"F1": 0.5 + gap, "per_document": one}
    return rows


def test_a_doubt_label_gain_is_carried_into_the_student_gap_it_predicts_and_the_pairs_it_takes():
    quality = {10: {"doubt": (0.69, 0, 0), "random": (0.60, 0, 0)}}  # labels +0.09: students +0.030
    text = " ".join(by_doubt(doubt_rows(0.09, -0.03, 0.03), quality).split())
    assert "training labels +0.090 F1 over random (about +0.030 for a student" in text
    assert "0.33 student F1 per label F1" in text
    # sd 0.06: (1.96 x 0.06 / 0.03)^2 = 15.4, more than the 3 pairs at hand
    assert text.endswith("; a gap of +0.030 takes about 16 pairs at this spread: too few to tell it.")
    steady = " ".join(by_doubt(doubt_rows(0.01, 0.012, 0.011), quality).split())
    assert steady.endswith("; 3 pairs are enough at this spread to tell a gap of +0.030.")
