"""The review-budget students' rows are tied to their training labels: when the teacher's labels
change (another CPU's llama.cpp answered), `--report` must not show a student trained on the old ones."""

from __future__ import annotations

from benchmarks.review_budget import argument_parser
from benchmarks.review_budget_students import (
    FLOORED,
    Condition,
    PoolRun,
    labels_of,
    most_telling_first,
    student_conditions,
    trained_on_other_labels,
)
from corpus.model import Annotation, Annotator, AnnotatorKind, Document, LabelledDocument, Span
from student.evaluate import HeldOut

TEACHER = Annotator(AnnotatorKind.TEACHER, "local:teacher")
CONDITIONS = [Condition("teacher only", 0, "routed"), Condition("routed 25%", 25, "routed"),
              Condition("all gold (ceiling)", 100, "all")]  # fmt: skip


def pool_run(paris_label: str) -> PoolRun:
    texts = [f"Visit {city} today." for city in ("Paris", "Rome", "Oslo", "Lima")]
    pool = [LabelledDocument(Document(t), (Span(6, 6 + len(t.split()[1]), "LOC"),)) for t in texts]
    gold = [list(item.spans) for item in pool]
    annotations = {
        item.document.id: Annotation(
            item.document.id,
            TEACHER,
            [Span(6, 11, paris_label)] if i == 0 else list(g),
            confidence=0.5 + i / 10,
        )  # fmt: skip
        for i, (item, g) in enumerate(zip(pool, gold, strict=True))
    }
    return PoolRun(pool, gold, annotations, ("LOC", "PER"), HeldOut([], []), {0: 0, 25: 1, 100: 4}, 10)


def rows_for(run: PoolRun) -> dict:
    labels = {c.name: labels_of(run, c, 0.0) for c in CONDITIONS}
    return {f"p|{name}": {"labels_f1": it.f1, "labels_id": it.digest} for name, it in labels.items()}


def test_rows_on_todays_labels_are_kept_and_rows_on_changed_labels_are_named():
    before = pool_run("LOC")
    rows = rows_for(before)
    assert trained_on_other_labels(before, "p", CONDITIONS, rows) == []
    relabelled = pool_run("PER")  # the teacher now calls Paris a person
    stale = trained_on_other_labels(relabelled, "p", CONDITIONS, rows)
    assert "teacher only" in stale, "trained on the teacher's old label of Paris"
    assert "all gold (ceiling)" not in stale, "gold labels did not change"


def test_a_row_from_before_the_digest_is_judged_by_its_label_f1():
    run = pool_run("LOC")
    rows = {key: {"labels_f1": row["labels_f1"]} for key, row in rows_for(run).items()}
    assert trained_on_other_labels(run, "p", CONDITIONS, rows) == []
    rows["p|teacher only"]["labels_f1"] = 0.1
    assert trained_on_other_labels(run, "p", CONDITIONS, rows) == ["teacher only"]


def test_weighing_the_reviewed_documents_is_a_student_of_its_own():
    args = argument_parser().parse_args(["--student-budgets", "0", "25", "--human-weight", "3"])
    by_name = {c.name: c for c in student_conditions(args)}
    weighted, plain = by_name["routed 25%, reviewed x3"], by_name["routed 25%"]
    assert (weighted.human_weight, plain.human_weight) == (3, 1)
    assert by_name["random 25%, reviewed x3"].how == "random"
    run = pool_run("LOC")
    same_labels = labels_of(run, weighted, 0.0), labels_of(run, plain, 0.0)
    assert same_labels[0].ids == same_labels[1].ids
    assert same_labels[0].digest != same_labels[1].digest, "a row kept for one must not stand for the other"


def test_review_on_fewer_negatives_is_a_student_of_its_own():
    args = argument_parser().parse_args(["--student-budgets", "25", "--teacher-negatives", "0.5"])
    without = {c.name for c in student_conditions(args)}
    assert "routed 25%, 50% of unlabelled spans as negatives" not in without
    args.review_negatives = True
    by_name = {c.name: c for c in student_conditions(args)}
    sparse = by_name["random 25%, 50% of unlabelled spans as negatives"]
    assert (sparse.how, sparse.budget, sparse.negatives) == ("random", 25, 0.5)
    assert by_name["routed 25%"].negatives == 1.0
    assert not any("doubt" in name for name in by_name), "no doubt students unless --doubt"
    args.doubt = True
    with_doubt = {c.name: c for c in student_conditions(args)}
    doubt = with_doubt["routed by doubt 25%, 50% of unlabelled spans as negatives"]
    assert (doubt.how, doubt.negatives) == ("doubt", 0.5)
    run = pool_run("LOC")
    plain = Condition("random 25%", 25, "random")
    assert labels_of(run, sparse, 0.0).digest != labels_of(run, plain, 0.0).digest


def test_a_repeated_pair_draws_again_and_trains_under_its_seed():
    args = argument_parser().parse_args(["--student-budgets", "25", "--review-seeds", "3"])
    by_name = {c.name: c for c in student_conditions(args)}
    assert {"routed 25%, seed 2", "random 25%, seed 2"} <= set(by_name)
    assert "routed 25%, seed 3" not in by_name
    run = pool_run("LOC")
    draws = {labels_of(run, by_name[f"random 25%{s}"], 0.0).digest for s in ("", ", seed 1", ", seed 2")}
    assert len(draws) > 1, "another seed draws other documents for review (1 of 4 here)"
    assert by_name["random 25%, seed 2"].seed == 2 and by_name["random 25%"].seed == 0


def test_doubt_students_draw_the_policys_doubt_order_under_each_review_seed():
    args = argument_parser().parse_args(["--student-budgets", "25", "--review-seeds", "2", "--doubt"])
    by_name = {c.name: c for c in student_conditions(args)}
    assert by_name["routed by doubt 25%"].how == "doubt" and by_name["routed by doubt 25%, seed 1"].seed == 1
    without = {c.name for c in student_conditions(argument_parser().parse_args(["--student-budgets", "25"]))}
    assert not any("doubt" in name for name in without)


def test_a_run_trains_the_reviewed_students_before_the_floored_row_and_other_seeds():
    args = argument_parser().parse_args(["--student-budgets", "10", "--training-seeds", "2", "--doubt"])
    order = [c.name for c in sorted(student_conditions(args), key=most_telling_first)]
    assert order[:2] == ["teacher only", "all gold (ceiling)"]
    reviewed = {"routed 10%", "random 10%", "routed by doubt 10%"}
    assert set(order[2:5]) == reviewed, "the review-budget goal's students come before the rest"
    assert set(order[5:]) == {"teacher only, seed 1", FLOORED}
