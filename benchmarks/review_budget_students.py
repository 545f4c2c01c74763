"""Review budgets, the students: one per condition (a review budget and policy, the teacher's floor,
its unlabelled spans as negatives, self-training), each trained on the pipeline's own training set
and scored on the held-out documents; rows are kept with a digest of their training labels."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from benchmarks.report import save_results
from benchmarks.review_budget_labels import (
    chosen,
    confident,
    label_quality,
    quarter_floor,
    training_labels_id,
)
from corpus.metrics import Scores
from corpus.model import Annotation, Annotator, AnnotatorKind
from corpus.store import Store
from export.latency import cpu_name
from student.config import Candidate, StudentConfig
from student.data import build_training_set
from student.evaluate import HeldOut, student_on_held_out
from student.train import train_and_self_train

RESULTS = Path(__file__).resolve().parent / "results" / "review_budget.json"
ORACLE = Annotator(AnnotatorKind.HUMAN, "oracle-reviewer")
FLOORED = "teacher, least confident left out"


def scored(scores: Scores) -> dict:
    m = scores.micro
    # per held-out document (tp, fp, fn): two rows' difference gets a paired interval in the report
    per_document = [[d.tp, d.fp, d.fn] for d in scores.per_document]
    return {"P": m.precision, "R": m.recall, "F1": m.f1, "interval": list(scores.f1_interval or (0, 0)),
            "per_document": per_document}  # fmt: skip


@dataclass
class PoolRun:
    """What every student of one run shares: the pool, its gold, the teacher's labels, the held-out set."""

    pool: list
    gold: list
    annotations: dict[str, Annotation]
    labels: tuple[str, ...]
    held: HeldOut
    budgets: dict[int, int]
    steps: int
    base: str = "minilm"
    grouped: bool = False


class Condition(NamedTuple):
    """One student of a run: its name (its row), budget, how the reviewed documents are chosen,
    training seed, the share of a teacher document's unlabelled spans that train as negatives, the
    score a left-out document's every span must reach to be self-trained on (0: none), and how many
    times each reviewed document is trained on (the candidate's `human_weight`)."""

    name: str
    budget: int
    how: str
    seed: int = 0
    negatives: float = 1.0
    self_training: float = 0.0
    human_weight: int = 1


def negatives_suffix(keep: float) -> str:
    """What a row's name adds for a share of the teacher's unlabelled spans as negatives."""
    return f", {keep:.0%} of unlabelled spans as negatives" if keep < 1 else ""


def student_conditions(args) -> list[Condition]:
    conditions = [Condition("teacher only", 0, "routed")]
    # the same labels under other training seeds: how far a student moves with the seed alone
    conditions += [
        Condition(f"teacher only, seed {seed}", 0, "routed", seed) for seed in range(1, args.training_seeds)
    ]
    conditions += [
        Condition(f"{how} {b}%", b, how) for b in args.student_budgets if b for how in ("routed", "random")
    ]
    conditions += [  # the comparison repeated: another random draw, audit sample and training seed
        Condition(f"{how} {b}%, seed {seed}", b, how, seed)
        for seed in range(1, args.review_seeds) for b in args.student_budgets if b
        for how in ("routed", "random")
    ]  # fmt: skip
    conditions += [  # the review policy's doubt order, set against the same random students
        Condition(f"routed by doubt {b}%" + (f", seed {seed}" if seed else ""), b, "doubt", seed)
        for seed in range(args.review_seeds if args.doubt else 0) for b in args.student_budgets if b
    ]  # fmt: skip
    conditions += [  # the reviewed documents weighed more among the teacher's
        Condition(f"{how} {b}%, reviewed x{weight}", b, how, human_weight=weight)
        for weight in args.human_weight for b in args.student_budgets if b for how in ("routed", "random")
    ]  # fmt: skip
    # the teacher's confidence used without review: its least confident documents left out
    conditions.append(Condition(FLOORED, 0, "floor"))
    reviews = [("routed", "routed"), ("random", "random")] + [("routed by doubt", "doubt")] * args.doubt
    for keep in args.teacher_negatives:  # fewer of the teacher's unlabelled spans as negatives
        sparse = negatives_suffix(keep)
        conditions.append(Condition(f"teacher{sparse}", 0, "routed", negatives=keep))
        conditions.append(Condition(f"{FLOORED}{sparse}", 0, "floor", negatives=keep))
        conditions += [  # review on top of them, where the teacher's missed spans sink a student
            Condition(f"{name} {b}%{sparse}", b, how, negatives=keep)
            for b in args.student_budgets if b and args.review_negatives for name, how in reviews
        ]  # fmt: skip
    # the left-out documents labelled by the student where it is sure, on the first --teacher-negatives
    keep = args.teacher_negatives[0] if args.teacher_negatives else 1.0
    sparse = negatives_suffix(keep)
    for sure in args.self_training:
        name = f"{FLOORED}{sparse}, then self-trained on them (every span >= {sure})"
        conditions.append(Condition(name, 0, "floor", negatives=keep, self_training=sure))
    conditions.append(Condition("all gold (ceiling)", 100, "all"))
    return conditions


class Labels(NamedTuple):
    """What one condition's student is trained on: the reviewed ids, the teacher's confidence floor,
    the documents kept above it, their labels' F1 against the pool's gold, and a digest of them all."""

    ids: set[str]
    floored: float
    kept: int
    f1: float
    digest: str


def labels_of(run: PoolRun, condition: Condition, floor: float) -> Labels:
    """The training labels of one condition's student (`floor`: the run's confidence floor)."""
    budget, how = condition.budget, condition.how
    negatives, sure = condition.negatives, condition.self_training
    if how == "all":
        ids = {i.document.id for i in run.pool}
    else:
        reviewed = run.budgets[budget]
        ids = set() if how == "floor" else chosen(run.pool, run.annotations, reviewed, how, condition.seed)
    floored = floor if how == "floor" else 0.0
    kept = [(i, g) for i, g in zip(run.pool, run.gold, strict=True) if confident(i, run.annotations, floored)]
    label_f1 = 1.0 if how == "all" else label_quality(*zip(*kept, strict=True), run.annotations, ids)[0]
    digest = training_labels_id(run.pool, run.gold, run.annotations, ids)
    digest += f"|{floored:.4f}" if floored else ""
    digest += f"|negatives {negatives}" if negatives < 1 else ""
    digest += f"|self-trained {sure}" if sure else ""
    digest += f"|human x{condition.human_weight}" if condition.human_weight > 1 else ""
    return Labels(ids, floored, len(kept), label_f1, digest)


def trained_on(row: dict | None, labels: Labels) -> bool:
    """Whether a kept row's student was trained on these labels (a row from before the digest was
    kept: its label F1 says)."""
    if row is None:
        return False
    if "labels_id" not in row:
        return abs(row["labels_f1"] - labels.f1) < 1e-9
    return row["labels_id"] == labels.digest


def trained_on_other_labels(run: PoolRun, prefix: str, conditions, results: dict) -> list[str]:
    """The conditions whose kept row was trained on labels other than today's (the teacher's labels
    changed since): `--report` must not show them as today's students."""
    floor = quarter_floor(run.pool, run.annotations)
    kept = [c for c in conditions if f"{prefix}|{c.name}" in results]
    return [c.name for c in kept if not trained_on(results[f"{prefix}|{c.name}"], labels_of(run, c, floor))]


def most_telling_first(c: Condition) -> tuple:
    """Training order, so a run stopped early and re-run with fewer --student-budgets still
    answers the goals: teacher only, then on fewer of the teacher's negatives, the reviewed
    students largest budget first (the ceiling's is 100), and last the rest (the floored row, other
    seeds)."""
    fewer_negatives = c.negatives < 1
    return c.name != "teacher only", not fewer_negatives, c.budget == 0, -c.budget


def train_students(run: PoolRun, prefix: str, conditions, results: dict) -> dict:
    """Trains each condition's student unless its row is kept for the same training labels."""
    floor = quarter_floor(run.pool, run.annotations)
    for condition in sorted(conditions, key=most_telling_first):
        name, key, labels = condition.name, f"{prefix}|{condition.name}", labels_of(run, condition, floor)
        row = results.get(key)
        if trained_on(row, labels):
            row.setdefault("labels_id", labels.digest)  # kept from before the digest: backfilled
            continue
        if row:
            print(f"retraining the student: {name} (its training labels changed since)", flush=True)
        print(f"training the student: {name} ({len(labels.ids)} reviewed)", flush=True)
        results[key] = student_row(run, condition, labels)
        save_results(RESULTS, results)
    save_results(RESULTS, results)  # digests backfilled above
    return results


def student_row(run: PoolRun, condition: Condition, labels: Labels) -> dict:
    """One condition's student trained and scored, as its row."""
    name, sure = condition.name, condition.self_training
    run_as = Candidate(base=run.base, teacher_negatives=condition.negatives,
                       human_weight=condition.human_weight)  # fmt: skip
    measured = student_scores(run, labels.ids, condition.seed, labels.floored, run_as, sure)
    left_out = f" (confidence < {labels.floored:.2f}: {len(run.pool) - labels.kept} documents)"
    shown = name.replace(FLOORED, FLOORED + left_out) if labels.floored else name
    shown = shown.removesuffix(")") + f": {measured['self_trained']} of them)" if sure else shown
    return {"name": shown, "reviewed": len(labels.ids), "labels_f1": labels.f1, "labels_id": labels.digest,
            "cpu": cpu_name(), **measured}  # fmt: skip


def student_scores(
    run: PoolRun, ids: set[str], seed: int, floor: float, run_as: Candidate, sure: float
) -> dict:
    """One student trained on the run's labels (`ids` reviewed), scored on the held-out set."""
    from gliner import GLiNER

    with tempfile.TemporaryDirectory() as tmp:
        # dev's best threshold, as every row was measured before the teacher-dev rule: the rules are
        # compared on the rows' curves (benchmarks/threshold_rules.py)
        config = StudentConfig(max_steps=run.steps, eval_every=50, seed=seed, group_by_length=run.grouped,
                               self_training=sure, teacher_dev_tolerance=0.0)  # fmt: skip
        student = train_student(run.pool, run.gold, run.annotations, ids, run.labels, Path(tmp), config,
                                run_as, floor)  # fmt: skip
        model = GLiNER.from_pretrained(str(student.path), local_files_only=True)
        scores, _, curve = student_on_held_out(model, run.held, student, config)
        measured = scored(scores) | chosen_on_dev(student) | {"held_out_curve": curve}
    added = student.counts.get("self-trained", 0)
    return {**measured, "steps": student.steps, "seconds": student.seconds, "self_trained": added}


def chosen_on_dev(student) -> dict:
    """What dev chose (threshold, checkpoint) and the dev F1 it saw at each evaluation: where a
    student scores low held out, these say whether its training or its choices are to blame."""
    curve = [[entry["step"], entry["dev_f1"], entry.get("threshold")] for entry in student.log]
    return {"threshold": student.threshold, "best_step": student.best_step, "dev_f1": student.dev_f1,
            "dev_curve": curve, "dev_thresholds": student.threshold_curve}  # fmt: skip


def train_student(
    pool,
    gold,
    annotations,
    reviewed: set[str],
    labels,
    out: Path,
    config: StudentConfig,
    run_as: Candidate,
    floor: float = 0.0,
):
    """The pipeline's training data: reviewed documents with their (oracle) human labels win over
    the teacher's, failed teacher documents are left out, and so are those whose confidence is
    below `floor` (a candidate's `teacher_floor`)."""
    with Store(f"sqlite:///{out}/train.db") as store:
        store.add_documents(item.document for item in pool)
        store.save_annotations([annotations[i.document.id] for i in pool if i.document.id in annotations])
        store.save_annotations(
            [Annotation(item.document.id, ORACLE, g) for item, g in zip(pool, gold, strict=True)
             if item.document.id in reviewed]
        )  # fmt: skip
        data = build_training_set(store, labels, teacher_floor=floor)
    return train_and_self_train(data, run_as, config, out / "student", progress=lambda _: None)
