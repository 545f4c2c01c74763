"""A review-budget section whose students came from more than one machine says which CPU trained
which (its header names only the last run's machine)."""

from __future__ import annotations

from benchmarks.review_budget_report import machines_text


def student(name: str, cpu: str | None) -> dict:
    return {"name": name, "labels_f1": 0.5} | ({"cpu": cpu} if cpu else {})


def test_students_of_one_machine_need_no_word():
    assert machines_text([student("teacher only", "AMD EPYC"), student("routed 10%", "AMD EPYC")]) == ""


def test_students_of_several_machines_are_named_by_cpu_and_unrecorded_ones_said_so():
    base = {"name": "base model (untrained heads)", "F1": 0.01}  # scored, never trained: not listed
    text = " ".join(
        machines_text(
            [student("teacher only", "Intel Xeon"), student("routed 10%", "AMD EPYC"),
             student("all gold (ceiling)", None), base]
        ).split()
    )  # fmt: skip
    assert text == (
        'The students were trained on more than one machine: Intel Xeon: "teacher only"; AMD EPYC:'
        ' "routed 10%"; not recorded: "all gold (ceiling)".'
    )
