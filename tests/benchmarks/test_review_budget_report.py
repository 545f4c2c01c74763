"""A review-budget section whose students came from more than one machine says which CPU trained
which (its header names only the last run's machine); beside each row's threshold (dev's best) it
says what distil's default rule would answer at; under the labels' table, what the reviewers read."""

from __future__ import annotations

from benchmarks.review_budget_report import machines_text, reading_text, thresholds_text


def student(name: str, cpu: str | None) -> dict:
    return {"name": name, "labels_f1": 0.5} | ({"cpu": cpu} if cpu else {})


def test_students_of_the_machine_that_writes_the_section_need_no_word():
    one_machine = [student("teacher only", "AMD EPYC"), student("routed 10%", "AMD EPYC")]
    assert machines_text(one_machine, here="AMD EPYC") == ""
    assert " ".join(machines_text(one_machine, here="Intel Xeon").split()) == (
        "The students were trained on AMD EPYC; this section was written on Intel Xeon."
    )
    assert machines_text([student("teacher only", None)], here="Intel Xeon") == ""  # not known: not said


def test_students_of_several_machines_are_named_by_cpu_and_unrecorded_ones_said_so():
    base = {"name": "base model (untrained heads)", "F1": 0.01}  # scored, never trained: not listed
    text = " ".join(
        machines_text(
            [student("teacher only", "Intel Xeon"), student("routed 10%", "AMD EPYC"),
             student("all gold (ceiling)", None), base], here="AMD EPYC"
        ).split()
    )  # fmt: skip
    assert text == (
        'The students were trained on more than one machine: Intel Xeon: "teacher only"; AMD EPYC:'
        ' "routed 10%"; not recorded: "all gold (ceiling)".'
    )


def trained(name: str, dev: list, held_out: list) -> dict:
    threshold = max(dev, key=lambda point: point[1])[0]
    return {"name": name, "threshold": threshold, "dev_f1": dict(dev)[threshold], "best_step": 400,
            "F1": dict(held_out)[threshold], "dev_thresholds": dev, "held_out_curve": held_out}  # fmt: skip


def test_distils_rule_is_named_where_it_takes_another_threshold_than_devs_best():
    dev = [[0.3, 0.58], [0.4, 0.60], [0.5, 0.62]]  # 0.3 is within 0.05 of the best: the teacher-dev rule
    held_out = [[0.3, 0.55], [0.4, 0.52], [0.5, 0.50]]
    text = " ".join(
        thresholds_text(
            [trained("routed 10%", dev, held_out), trained("all gold (ceiling)", dev, held_out)]
        ).split()
    )
    assert (
        "routed 10%: 0.5 (dev F1 0.620, checkpoint of step 400), held out 0.500 (distil: 0.3, 0.550);" in text
    )
    assert "all gold (ceiling): 0.5 (dev F1 0.620, checkpoint of step 400), held out 0.500; the grid" in text


def test_the_reviewers_reading_is_set_against_the_errors_it_fixed():
    """Doubt-routed documents are longer: errors fixed per 1,000 characters read is the fair comparison;
    and denser in entities than the pool, which the students' training mix inherits."""
    quality = {
        0: {"routed": (0.5, 0.0, 0), "random": [0.5, 0.0, 0.0], "doubt": (0.5, 0.0, 0), "read": (0, 0.0, 0)},
        10: {"routed": (0.7, 0.9, 60), "random": [0.6, 0.7, 20.0], "doubt": (0.8, 1.0, 90),
             "read": (2000, 1000.0, 3000), "entities": (18, 21.5, 52, 2.1)},
    }  # fmt: skip
    text = " ".join(reading_text({0: 0, 10: 10}, quality).split())
    assert text == (
        "What the reviewers read: characters per reviewed document (10%: 200 routed, 100 random, 300 by"
        " doubt); span errors fixed per 1,000 characters read (10%: 30.0 routed, 20.0 random, 30.0 by"
        " doubt); gold entities per reviewed document (10%: 1.8 routed, 2.1 random, 5.2 by doubt; 2.1"
        " across the pool)."
    )
    assert reading_text({0: 0}, {0: quality[0]}) == "", "no budget, nothing read"
