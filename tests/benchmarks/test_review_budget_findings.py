"""The review-budget findings say what bounds the routed and random students: the label gain that
routing bought, next to a student's interval width, per budget."""

from __future__ import annotations

from benchmarks.review_budget_findings import findings

CEILING = {"name": "all gold (ceiling)", "F1": 0.66, "interval": (0.58, 0.74), "labels_f1": 1.0}
TEACHER_ONLY = {"name": "teacher only", "F1": 0.51, "interval": (0.42, 0.60), "labels_f1": 0.55}
BUDGETS = {0: 0, 10: 12, 25: 30}


def quality(gain_at_10: float, gain_at_25: float) -> dict:
    rows = {0: (0.55, 0.55), 10: (0.55 + gain_at_10, 0.55), 25: (0.55 + gain_at_25, 0.55)}
    return {
        b: {"routed": (r, 0.8, 30), "random": (q, 0.6, 20), "random_sd": 0.0} for b, (r, q) in rows.items()
    }


def written(gain_at_10: float, gain_at_25: float, students=(TEACHER_ONLY, CEILING)) -> str:
    text = findings(
        "ncbi-disease", 120, BUDGETS, quality(gain_at_10, gain_at_25), list(students), {"F1": 0.5}
    )
    return " ".join(text.split())


def written_with_doubt(students) -> str:
    """The findings where the doubt order's labels are +0.20 F1 over random at 10%."""
    rates = quality(0.006, 0.30)
    rates[10]["doubt"] = (0.75, 0.9, 60)
    return " ".join(findings("ncbi-disease", 120, BUDGETS, rates, list(students), {"F1": 0.5}).split())


def test_label_gains_narrower_than_a_students_interval_are_named_as_the_bound():
    text = written(0.006, 0.30)
    assert "What bounds the students: a student's 95% interval on this held-out set is 0.18 wide" in text
    assert "routing bought training labels of 10%: +0.006 F1 over random review" in text, (
        "25%'s gain (0.30) is wider than the interval: not a bound there"
    )


def test_no_bound_where_every_gain_is_as_wide_as_the_interval_or_the_students_separate():
    assert "What bounds the students" not in written(0.20, 0.30)
    routed = {"name": "routed 10%", "F1": 0.80, "interval": (0.75, 0.85), "labels_f1": 0.6}
    drawn = {"name": "random 10%", "F1": 0.40, "interval": (0.30, 0.50), "labels_f1": 0.55}
    separated = written(0.006, 0.01, (TEACHER_ONLY, routed, drawn, CEILING))
    assert "intervals do not all overlap" in separated and "What bounds the students" not in separated


def students_apart(random_right: int) -> tuple[dict, dict]:
    """Routed and random 10% students on 20 held-out documents of one entity each: routed finds
    every one, random `random_right` of them. Their own intervals overlap."""
    routed = {"name": "routed 10%", "F1": 0.60, "interval": (0.50, 0.70), "labels_f1": 0.556,
              "per_document": [[1, 0, 0]] * 20}  # fmt: skip
    wrong = 20 - random_right
    drawn = {"name": "random 10%", "F1": 0.52, "interval": (0.42, 0.62), "labels_f1": 0.55,
             "per_document": [[1, 0, 0]] * random_right + [[0, 1, 1]] * wrong}  # fmt: skip
    return routed, drawn


def test_students_apart_beyond_what_their_labels_differ_are_called_out():
    text = written(0.006, 0.30, (TEACHER_ONLY, *students_apart(10), CEILING))
    assert "Yet paired on the held-out documents the students do differ at 10% (10%: +0.080 [" in text
    assert "against labels +0.006" in text and "`--training-seeds`" in text


def test_no_call_out_where_the_paired_interval_holds_zero_or_the_labels_explain_the_gap():
    assert "Yet paired" not in written(0.006, 0.30, (TEACHER_ONLY, *students_apart(19), CEILING))
    assert "Yet paired" not in written(0.05, 0.30, (TEACHER_ONLY, *students_apart(10), CEILING))


def teacher_goal(best: dict, teacher: dict) -> str:
    text = findings("ncbi-disease", 120, BUDGETS, quality(0.2, 0.3), [TEACHER_ONLY, best, CEILING], teacher)
    return " ".join(text.split())


def test_a_student_above_its_teacher_ties_it_where_their_paired_difference_holds_zero():
    """The teacher's score (0.5) lies outside the student's own interval, but the two score the
    same 20 documents, and 2 more right of 20 is within their noise."""
    student = {"name": "teacher, floored", "F1": 0.60, "interval": (0.52, 0.68), "labels_f1": 0.75,
               "per_document": [[1, 0, 0]] * 12 + [[0, 1, 1]] * 8}  # fmt: skip
    teacher = {"F1": 0.50, "per_document": [[1, 0, 0]] * 10 + [[0, 1, 1]] * 10}
    text = teacher_goal(student, teacher)
    goal = "met (best student, teacher, floored: 0.600, teacher 0.500), but the paired difference holds 0"
    assert f"{goal} (+0.100 [" in text
    assert "a tie within the noise" in text


def test_a_student_beats_its_teacher_where_the_paired_difference_excludes_zero():
    student = {"name": "teacher, floored", "F1": 0.95, "interval": (0.40, 1.0), "labels_f1": 0.75,
               "per_document": [[1, 0, 0]] * 19 + [[0, 1, 1]]}  # fmt: skip
    teacher = {"F1": 0.50, "per_document": [[1, 0, 0]] * 10 + [[0, 1, 1]] * 10}
    goal = "met (best student, teacher, floored: 0.950, teacher 0.500), beyond the noise: +0.450 ["
    assert goal in teacher_goal(student, teacher)


def test_a_gap_beyond_the_labels_is_set_against_the_teacher_only_seeds_spread():
    seed_1 = {**TEACHER_ONLY, "name": "teacher only, seed 1", "F1": 0.53}  # a spread of 0.02
    text = written(0.006, 0.30, (TEACHER_ONLY, seed_1, *students_apart(10), CEILING))
    assert "The gap is wider than the teacher-only seeds' spread (0.020), which speaks for the review" in text
    assert text.count("wider than") == 1, "said once, where the gap beyond the labels is read"
    wide = {**TEACHER_ONLY, "name": "teacher only, seed 1", "F1": 0.61}  # 0.10, beyond the 0.08 gap
    assert "the noise may be all of it" in written(
        0.006, 0.30, (TEACHER_ONLY, wide, *students_apart(10), CEILING)
    )


def test_repeated_pairs_are_pooled_document_by_document():
    routed, drawn = students_apart(14)
    again = [{**row, "name": f"{row['name']}, seed 1"} for row in students_apart(12)]
    text = written(0.006, 0.30, (TEACHER_ONLY, routed, drawn, *again, CEILING))
    assert "Repeated 2 times at 10%" in text and "routed minus random +0.080, +0.080;" in text
    # pooled: routed finds all 40 entities; random 26 of 40 (14 fp, 14 fn): F1 0.65
    assert "the pairs pooled, +0.350 [" in text and "paired, routed ahead beyond the noise" in text
    # the same gap twice: as repeats, no spread between them
    assert "the 2 pairs taken as repeats (the training seed's and the draw's noise counted)," in text
    assert "+0.080 [+0.08, +0.08], beyond that noise." in text
    assert "Repeated" not in written(0.006, 0.30, (TEACHER_ONLY, routed, drawn, CEILING)), "one pair only"


def test_pooled_pairs_within_the_noise_say_so():
    routed, drawn = students_apart(20)
    again = [{**row, "name": f"{row['name']}, seed 1"} for row in students_apart(19)]
    text = written(0.006, 0.30, (TEACHER_ONLY, routed, drawn, *again, CEILING))
    assert "paired, within the noise; the 2 pairs taken as repeats" in text


def test_a_gap_that_does_not_repeat_is_called_out():
    """The first pair apart beyond the noise (+0.080), the second the other way: pooled, level."""
    routed, drawn = students_apart(10)
    drawn_again, routed_again = students_apart(10)  # the sides swapped
    again = [{**routed_again, "name": "routed 10%, seed 1", "F1": 0.52},
             {**drawn_again, "name": "random 10%, seed 1", "F1": 0.60}]  # fmt: skip
    text = written(0.006, 0.30, (TEACHER_ONLY, routed, drawn, *again, CEILING))
    assert "routed minus random +0.080, -0.080;" in text
    assert "between repeats the routed student moved 0.080 and the random one 0.080" in text
    assert (
        "the pairs pooled, +0.000 [" in text
        and "within the noise: the first pair's gap did not repeat;" in text
    )
    # +0.08 and -0.08 as two repeats: mean 0, sd 0.113, t(1) 12.71 x 0.113 / sqrt(2) = 1.02 either side
    assert "the 2 pairs taken as repeats (the training seed's and the draw's noise counted), +0.000" in text
    assert "[-1.02, +1.02], within that noise." in text, "no gap: no count of the pairs it would take"


def test_the_goal_is_read_from_the_pair_on_fewer_negatives_where_it_is_the_only_pair():
    sparse = ", 50% of unlabelled spans as negatives"
    routed, drawn = ({**row, "name": row["name"] + sparse} for row in students_apart(14))
    text = written(0.006, 0.30, (TEACHER_ONLY, routed, drawn, CEILING))
    assert f"(10%{sparse}: 0.600 vs 0.520)" in text and "No routed or random student" not in text


def test_students_routed_by_doubt_are_set_against_the_same_random_ones_and_their_labels_gain():
    """A labels gain that the students do not show is called out: here doubt-routed labels are
    +0.20 better than random, and over two pairs the random students find more entities."""
    routed, drawn = students_apart(20)
    doubt = [{**routed, "name": "routed by doubt 10%", "per_document": [[1, 0, 0]] * 10 + [[0, 1, 1]] * 10}]
    doubt += [{**doubt[0], "name": "routed by doubt 10%, seed 1"}]
    again = {**drawn, "name": "random 10%, seed 1"}
    text = written_with_doubt((TEACHER_ONLY, routed, drawn, *doubt, again, CEILING))
    assert 'Routed by doubt (`order = "doubt"`) at 10%: training labels +0.200 F1 over random' in text
    assert "-0.500 [" in text and "paired over the 2 pairs pooled, random ahead beyond the noise" in text
    assert text.count("the labels' gain did not reach the students, so a larger label gain alone") == 1
    assert "tell routed from random students here; the 2 pairs taken as repeats" in text
    assert "Routed by doubt" not in written(0.006, 0.30, (TEACHER_ONLY, routed, drawn, CEILING))


def test_a_run_stopped_before_its_routed_students_says_so_and_still_reads_the_doubt_pair():
    """A resumable run that trained random and doubt students but no routed one yet: not
    "--student-budgets 0", and the doubt students are still set against the random one."""
    routed, drawn = students_apart(10)
    doubt = {**routed, "name": "routed by doubt 10%"}
    text = written_with_doubt((TEACHER_ONLY, drawn, doubt, CEILING))
    assert "No routed student was trained yet to set against a random one (see the rows above)" in text
    assert "--student-budgets 0" not in text
    assert 'Routed by doubt (`order = "doubt"`) at 10%: training labels +0.200 F1 over random' in text
    assert "No routed or random student was trained in this run (--student-budgets 0)" in written(0.006, 0.30)
