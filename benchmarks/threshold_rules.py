"""Threshold rules: which way of choosing the decision threshold on dev serves the held-out set best?

Every review_budget student trained since the curves were recorded keeps its dev F1 and its
held-out F1 at every threshold of the grid (benchmarks/results/review_budget.json). A rule sees
only the dev curve; the held-out curve then says what its choice scores. Nothing is trained: the
section is rewritten from the rows as they are, and grows as review_budget runs add rows.

Why ask: a dev split labelled by the teacher lacks the entities the teacher missed, so a student's
right answers there count as false positives, and dev rewards precision more than the gold does
(BENCHMARKS.md, review budgets: dev chose 0.3-0.6 where 0.1-0.2 was best held out). The columns
marked "human dev" and "teacher dev" are distil's rules by default for each kind of dev split.

python -m benchmarks.threshold_rules
"""

from __future__ import annotations

from collections.abc import Callable
from statistics import mean

from benchmarks.report import load_results, table, wrapped, write_section
from benchmarks.review_budget_students import RESULTS
from student.config import StudentConfig
from student.thresholds import Curve, choose

CEILING = "all gold (ceiling)"  # the one student whose dev split is human-labelled throughout


def dev_best(dev: Curve) -> float:
    """distil's rule on a human-labelled dev (student/thresholds.choose): dev's best, ties to the one
    nearest 0.5; every review_budget row was chosen so."""
    return choose(dev)


def lowest_within(tolerance: float) -> Callable[[Curve], float]:
    """The lowest threshold whose dev F1 is within `tolerance` of dev's best (`threshold_tolerance`)."""
    return lambda dev: choose(dev, tolerance)


def at_most(cap: float) -> Callable[[Curve], float]:
    def rule(dev: Curve) -> float:
        return min(dev_best(dev), cap)

    return rule


RULES: dict[str, Callable[[Curve], float]] = {
    "dev's best (human dev)": dev_best,
    "lowest within 0.01": lowest_within(0.01),
    "lowest within 0.02": lowest_within(0.02),
    "lowest within 0.05 (teacher dev)": lowest_within(0.05),  # `teacher_dev_tolerance`
    "dev's best, at most 0.5": at_most(0.5),
    "0.5 always": lambda dev: 0.5,
}


def shipped_rule(student: str) -> Callable[[Curve], float]:
    """What distil chooses with by default for this review_budget student: every dev split but the
    ceiling's is mostly teacher-labelled (student/train.tolerance_for)."""
    return dev_best if student == CEILING else lowest_within(StudentConfig().teacher_dev_tolerance)


def measured_rows(results: dict) -> list[tuple[str, str, Curve, Curve]]:
    """(run, student, dev curve, held-out curve) for every row that kept both curves."""
    rows = []
    for key, row in sorted(results.items()):
        if row.get("dev_thresholds") and row.get("held_out_curve"):
            corpus, _, evaluation, pool, steps, *_ = key.split("|")
            run = f"{corpus}, pool {pool}, {steps} steps"
            rows.append((run, row["name"], [tuple(p) for p in row["dev_thresholds"]],
                         [tuple(p) for p in row["held_out_curve"]]))  # fmt: skip
    return rows


def held_out_at(rule, dev: Curve, held: Curve) -> float:
    return dict(held)[rule(dev)]


def rule_table(rows) -> str:
    headers = ["run", "student", *RULES, "held-out best (no rule can see it)"]
    lines = []
    for run, name, dev, held in rows:
        cells = [f"{held_out_at(rule, dev, held):.3f} ({rule(dev)})" for rule in RULES.values()]
        best_t, best = max(held, key=lambda point: point[1])
        lines.append([run, name, *cells, f"{best:.3f} ({best_t})"])
    return table(headers, lines)


def against_now(rows, teacher_dev: bool) -> str:
    """Per rule, over the rows whose dev is (or is not) teacher-labelled: the mean held-out change
    from the rule now, and how many rows rose and fell."""
    chosen = [(dev, held) for _, name, dev, held in rows if (name != CEILING) == teacher_dev]
    if not chosen:
        return ""
    parts = []
    for label, rule in list(RULES.items())[1:]:
        changes = [held_out_at(rule, dev, held) - held_out_at(dev_best, dev, held) for dev, held in chosen]
        rose, fell = sum(c > 1e-9 for c in changes), sum(c < -1e-9 for c in changes)
        parts.append(f"{label}: {mean(changes):+.3f} (rose in {rose}, fell in {fell})")
    kind = "teacher-labelled (all but the ceiling)" if teacher_dev else "human-labelled (the ceiling)"
    students = f"{len(chosen)} student{'s' * (len(chosen) != 1)}"
    return wrapped(f"Dev {kind}, {students}; mean held-out F1 change from dev's best: {'; '.join(parts)}.")


def main() -> None:
    rows = measured_rows(load_results(RESULTS))
    if not rows:
        raise SystemExit("threshold_rules: no review_budget row keeps both curves yet (run review_budget)")
    body = "\n\n".join(
        part for part in (
            wrapped("Held-out F1 (and the threshold each rule chose) of every review_budget student "
                    "that kept its dev and held-out curves; the rule sees only dev."),
            rule_table(rows), against_now(rows, True), against_now(rows, False),
        ) if part
    )  # fmt: skip
    write_section("threshold-rules", "Threshold rules: choosing on dev, judged held out",
                  "python -m benchmarks.threshold_rules", body)  # fmt: skip


if __name__ == "__main__":
    main()
