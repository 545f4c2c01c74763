"""Review budgets: does routing review by the teacher's confidence beat reviewing at random?

An oracle reviewer stands in for the annotators: a reviewed training document's gold labels
replace the teacher's, as reviewed labels do in the pipeline. For each budget (share of the
training pool reviewed) the documents are chosen by the review policy (review/policy.py, the
budget alone deciding: no confidence threshold) or at random. Measured: the quality of the
resulting training labels against the pool's gold (every budget; random averaged over seeds),
and the student trained on them, scored on held-out human-labelled documents next to the
teacher on the same documents, the student trained on all gold labels (the ceiling) and the
untrained base model.

Corpus: `--corpus` (wikigold by default; any of teacher_quality's corpora, read from the same
split). Held out: its first `--evaluation` documents; training pool: the next `--pool`.
The teacher is the embedded default (schema grammar, names_only from the guidelines, ensemble
confidence) with one sample per document; its confidence comes from agreeing with a student
trained on the 200 documents at the end of the corpus (a team after one round of review,
benchmarks/reviewed_student.py), less any that repeat a held-out document. Where the corpus
repeats a sentence, a pool document can repeat one of them (8 of wikigold's 1,000, 1 of
WNUT-17's 120): on those the student's second opinion has seen the gold.

Teacher annotations are kept in a store under ~/.cache/distil/benchmarks (a re-run reuses them);
each student's scores in benchmarks/results/review_budget.json with a digest of its training
labels (a re-run trains only what is missing, or what was trained on labels that have changed).
`--training-seeds N` trains the teacher-only student N times under different seeds: how far a
student moves with the seed alone, next to the routed-random gaps.
The section and its plot are written by benchmarks/review_budget_report.py.

`--base mpnet` trains every student from all-mpnet-base-v2 instead of MiniLM, and
`--group-by-length` with batches of texts of about the same length (student/batching.py); each
keeps its own rows and section.

python -m benchmarks.review_budget [--corpus wikigold] [--model qwen2.5-coder-0.5b] [--evaluation 100]
    [--pool 120] [--budgets 0 5 10 25] [--student-budgets 0 5 10 25] [--steps 200] [--seeds 5]
    [--training-seeds 1] [--base minilm] [--group-by-length] [--teacher-negatives 0.5 ...]
    [--self-training 0.7 ...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from benchmarks.report import load_results, save_results, write_section
from benchmarks.review_budget_report import DEFAULT_MODEL, render, run_name
from benchmarks.reviewed_student import CACHE, reviewed_documents, reviewed_student
from benchmarks.teacher_quality import CORPORA, annotate_all, confidence_pairs
from corpus.guideline_files import load_guidelines
from corpus.metrics import Scores, score
from corpus.model import Annotation, AnnotationStatus, Annotator, AnnotatorKind, Split
from corpus.store import Store
from review.policy import ReviewPolicy, route
from student.backbone import OFFLINE_BASES
from student.config import Candidate, StudentConfig
from student.data import build_training_set
from student.evaluate import HeldOut, score_model
from student.train import train_and_self_train
from teacher.config import TeacherConfig
from teacher.local_server import local_teacher

RESULTS = Path(__file__).resolve().parent / "results" / "review_budget.json"
ORACLE = Annotator(AnnotatorKind.HUMAN, "oracle-reviewer")
REVIEWED = 200  # documents at the end of the corpus that train the ensemble's student
FLOORED = "teacher, least confident left out"


def teacher_labels(corpus, model, evaluation, pool, guidelines, opinion) -> tuple[str, dict[str, Annotation]]:
    """The teacher's annotation of every document, from the cached store or the local server."""
    documents = [item.document for item in evaluation + pool]
    # one store per held-out set, whatever the pool: a larger pool reuses what a smaller one annotated
    path = CACHE / f"review-budget-{corpus}-{model}-{len(evaluation)}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    earlier = sorted(CACHE.glob(f"{path.stem}-*.db"), key=lambda p: p.stat().st_size)
    if not path.exists() and earlier:  # a store from when they were kept per pool size
        earlier[-1].rename(path)
    # the teacher as this section measured it (before few-shot became the default): a re-run stays comparable
    config = TeacherConfig(samples=1, concurrency=1, few_shot=0)
    with Store(f"sqlite:///{path}") as store:
        store.add_labelled(evaluation, Split.VALIDATION, Annotator(AnnotatorKind.HUMAN, "gold"))
        store.add_documents(item.document for item in pool)  # their gold stays out of the teacher's store
        # always asked: documents already annotated under the same settings cost nothing
        with local_teacher(model) as (url, alias):
            dots = lambda: print(".", end="", flush=True)  # noqa: E731
            print(annotate_all(store, guidelines, url, alias, config, documents, opinion, dots), flush=True)
        found = store.annotations(annotator=alias, document_ids=[d.id for d in documents])
    return alias, {a.document_id: a for a in found}


def confident(item, annotations: dict[str, Annotation], floor: float) -> bool:
    """Whether a pool document's teacher labels reach `floor` (always, where there is no floor)."""
    annotation = annotations.get(item.document.id)
    return not floor or bool(annotation and (annotation.confidence or 0.0) >= floor)


def spans(annotation: Annotation | None) -> list:
    return annotation.spans if annotation and annotation.status is AnnotationStatus.OK else []


def chosen(pool, annotations: dict[str, Annotation], budget: int, how: str, seed: int) -> set[str]:
    ids = [item.document.id for item in pool]
    if how == "random":
        return set(random.Random(seed).sample(ids, budget))
    policy = ReviewPolicy(budget=budget, threshold=None, seed=seed)
    decisions = route([annotations[i] for i in ids if i in annotations], policy)
    return {d.document_id for d in decisions if d.route == "review"}


def label_quality(pool, gold, annotations, reviewed: set[str]) -> tuple[float, float, int]:
    """Training labels after review against the gold: micro F1, the share of the reviewed
    documents on which the teacher had been wrong, and how many span errors (missed or spurious)
    the review fixed in them."""
    labels = [g if item.document.id in reviewed else spans(annotations.get(item.document.id))
              for item, g in zip(pool, gold, strict=True)]  # fmt: skip
    errors = [
        len(set(g) ^ set(spans(annotations.get(item.document.id))))
        for item, g in zip(pool, gold, strict=True)
        if item.document.id in reviewed
    ]
    wrong = sum(e > 0 for e in errors) / len(errors) if errors else 0.0
    return score(gold, labels, bootstrap=0).micro.f1, wrong, sum(errors)


def training_labels_id(pool, gold, annotations, reviewed: set[str]) -> str:
    """A digest of what a student learns from (per pool document: its gold if reviewed, else the
    teacher's spans, else left out), stored with its row: a cached student trained on other labels
    (a document that failed once and was annotated on a re-run, say) is trained again."""
    parts = []
    for item, g in zip(pool, gold, strict=True):
        i, annotation = item.document.id, annotations.get(item.document.id)
        if i in reviewed:
            parts.append([i, "reviewed", sorted((s.start, s.end, s.label) for s in g)])
        elif annotation and annotation.status is AnnotationStatus.OK:
            parts.append([i, "teacher", sorted((s.start, s.end, s.label) for s in annotation.spans)])
        else:
            parts.append([i, "left out"])
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


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


def quarter_floor(pool, annotations: dict[str, Annotation]) -> float:
    """The lowest confidence that leaves out at least the least confident quarter of the teacher's
    pool documents (documents below it are left out). Confidences tie (the ensemble's agreement
    takes a few values), so the quarter's value itself is kept out too; 0 where all tie."""
    ok = [annotations.get(item.document.id) for item in pool]
    values = sorted(a.confidence or 0.0 for a in ok if a and a.status is AnnotationStatus.OK)
    if not values:
        return 0.0
    above = [v for v in values if v > values[len(values) // 4]]
    return above[0] if above else 0.0


def label_quality_at(pool, gold, annotations, n: int, seeds: int) -> dict:
    """The training labels after reviewing `n` routed documents, and `n` random ones (averaged over
    `seeds` draws, with the spread of their F1)."""
    routed = label_quality(pool, gold, annotations, chosen(pool, annotations, n, "routed", 0))
    draws = [label_quality(pool, gold, annotations, chosen(pool, annotations, n, "random", seed))
             for seed in range(seeds)]  # fmt: skip
    return {"routed": routed, "random": [statistics.mean(d) for d in zip(*draws, strict=True)],
            "random_sd": statistics.pstdev(d[0] for d in draws)}  # fmt: skip


def scored(scores: Scores) -> dict:
    m = scores.micro
    # per held-out document (tp, fp, fn): two rows' difference gets a paired interval in the report
    per_document = [[d.tp, d.fp, d.fn] for d in scores.per_document]
    return {"P": m.precision, "R": m.recall, "F1": m.f1, "interval": list(scores.f1_interval or (0, 0)),
            "per_document": per_document}  # fmt: skip


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default="wikigold", choices=list(CORPORA))
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--evaluation", type=int, default=100)
    parser.add_argument("--pool", type=int, default=120)
    parser.add_argument("--budgets", type=int, nargs="+", default=[0, 5, 10, 25], help="percent of the pool")
    parser.add_argument("--student-budgets", type=int, nargs="+", default=[0, 5, 10, 25])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=5, help="random draws averaged for the label quality")
    parser.add_argument(
        "--training-seeds", type=int, default=1, help="train the teacher-only student this many times (noise)"
    )
    parser.add_argument("--base", default="minilm", choices=list(OFFLINE_BASES), help="every student's base")
    parser.add_argument("--group-by-length", action="store_true", help="batches of texts of similar length")
    parser.add_argument(
        "--teacher-negatives", type=float, nargs="*", default=[],
        help="also train with these shares of the teacher's unlabelled spans as negatives",
    )  # fmt: skip
    parser.add_argument(
        "--self-training", type=float, nargs="*", default=[],
        help="also self-train the floored student on the left-out documents at these scores "
        "(with the first --teacher-negatives)",
    )  # fmt: skip
    return parser


def main() -> None:
    parser = argument_parser()
    args = parser.parse_args()
    read, guidelines_name = CORPORA[args.corpus]
    everything = list(read())
    if args.evaluation + args.pool + REVIEWED > len(everything):  # the three sets must not overlap
        parser.error(
            f"{args.corpus} has {len(everything)} documents: fewer than --evaluation {args.evaluation}"
            f" + --pool {args.pool} + the {REVIEWED} reviewed ones for the ensemble's student"
        )
    evaluation = everything[: args.evaluation]
    seen = {item.document.id for item in evaluation}
    pool = []  # a document repeated in the corpus is held out once, never also in the pool
    for item in everything[args.evaluation :]:
        if len(pool) < args.pool and item.document.id not in seen:
            seen.add(item.document.id)
            pool.append(item)
    guidelines = load_guidelines(guidelines_name)
    labels = tuple(guidelines.label_names)

    def gold_of(items):
        return [[s for s in item.spans if s.label in labels] for item in items]

    eval_gold, pool_gold = gold_of(evaluation), gold_of(pool)
    reviewed = reviewed_documents(everything, REVIEWED, evaluation)
    opinion = reviewed_student(args.corpus, reviewed, guidelines_name)
    teacher, annotations = teacher_labels(args.corpus, args.model, evaluation, pool, guidelines, opinion)
    held = HeldOut([item.document for item in evaluation], eval_gold)
    teacher_scores = scored(score(eval_gold, [spans(annotations.get(d.id)) for d in held.documents]))
    pairs = confidence_pairs(annotations, [item.document.id for item in pool], pool_gold)
    failures = Counter(
        (a.error or a.status.value).split(" (")[0] if a else "never annotated"
        for a in (annotations.get(item.document.id) for item in pool)
        if a is None or a.status is not AnnotationStatus.OK
    )

    budgets = {b: round(b / 100 * len(pool)) for b in sorted(set(args.budgets) | set(args.student_budgets))}
    quality = {
        budget: label_quality_at(pool, pool_gold, annotations, n, args.seeds) for budget, n in budgets.items()
    }

    # MiniLM's rows keep the keys they had before --base
    based = ("" if args.base == "minilm" else f"|{args.base}") + ("|grouped" if args.group_by_length else "")
    prefix = f"{args.corpus}|{teacher}|{args.evaluation}|{args.pool}|{args.steps}{based}"
    pool_run = PoolRun(pool, pool_gold, annotations, labels, held, budgets, args.steps, args.base,
                       args.group_by_length)  # fmt: skip
    conditions = student_conditions(args)
    results = train_students(pool_run, prefix, conditions, load_results(RESULTS))
    base_key = f"{args.corpus}|base|{args.evaluation}{based}"
    if base_key not in results:
        from student.backbone import load_base

        results[base_key] = {
            "name": "base model (untrained heads)",
            **scored(score_model(load_base(args.base), held, labels, 0.5)),
        }
        save_results(RESULTS, results)
    students = [results[f"{prefix}|{name}"] for name, *_ in conditions] + [results[base_key]]
    body = render(args, teacher, teacher_scores, pairs, budgets, quality, students, failures)
    teacher_shown = "" if args.model == DEFAULT_MODEL else f", teacher {args.model}"
    teacher_shown += "" if args.base == "minilm" else f", student {args.base}"
    teacher_shown += ", length-grouped batches" if args.group_by_length else ""
    title = f"Review budgets: routed vs random review ({args.corpus}{teacher_shown})"
    write_section(f"review-budget-{run_name(args)}", title, command_of(args, parser), body)


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
    training seed, the share of a teacher document's unlabelled spans that train as negatives, and
    the score a left-out document's every span must reach to be self-trained on (0: none)."""

    name: str
    budget: int
    how: str
    seed: int = 0
    negatives: float = 1.0
    self_training: float = 0.0


def student_conditions(args) -> list[Condition]:
    conditions = [Condition("teacher only", 0, "routed")]
    # the same labels under other training seeds: how far a student moves with the seed alone
    conditions += [
        Condition(f"teacher only, seed {seed}", 0, "routed", seed) for seed in range(1, args.training_seeds)
    ]
    conditions += [
        Condition(f"{how} {b}%", b, how) for b in args.student_budgets if b for how in ("routed", "random")
    ]
    # the teacher's confidence used without review: its least confident documents left out
    conditions.append(Condition(FLOORED, 0, "floor"))
    for keep in args.teacher_negatives:  # fewer of the teacher's unlabelled spans as negatives
        sparse = f", {keep:.0%} of unlabelled spans as negatives"
        conditions.append(Condition(f"teacher{sparse}", 0, "routed", negatives=keep))
        conditions.append(Condition(f"{FLOORED}{sparse}", 0, "floor", negatives=keep))
    # the left-out documents labelled by the student where it is sure, on the first --teacher-negatives
    keep = args.teacher_negatives[0] if args.teacher_negatives else 1.0
    sparse = f", {keep:.0%} of unlabelled spans as negatives" if keep < 1 else ""
    for sure in args.self_training:
        name = f"{FLOORED}{sparse}, then self-trained on them (every span >= {sure})"
        conditions.append(Condition(name, 0, "floor", negatives=keep, self_training=sure))
    conditions.append(Condition("all gold (ceiling)", 100, "all"))
    return conditions


def train_students(run: PoolRun, prefix: str, conditions, results: dict) -> dict:
    """Trains each condition's student unless its row is kept for the same training labels."""
    floor = quarter_floor(run.pool, run.annotations)
    # the most telling students first (teacher only, the ceiling, then the largest budgets), so a
    # run stopped early and re-run with fewer --student-budgets still answers the goals
    order = sorted(conditions, key=lambda c: (c.name != "teacher only", 0 < c.budget < 100, -c.budget))
    for name, budget, how, seed, negatives, sure in order:
        key = f"{prefix}|{name}"
        if how == "all":
            ids = {i.document.id for i in run.pool}
        else:
            ids = set() if how == "floor" else chosen(run.pool, run.annotations, run.budgets[budget], how, 0)
        floored = floor if how == "floor" else 0.0
        kept = [
            (i, g) for i, g in zip(run.pool, run.gold, strict=True) if confident(i, run.annotations, floored)
        ]
        label_f1 = 1.0 if how == "all" else label_quality(*zip(*kept, strict=True), run.annotations, ids)[0]
        digest = training_labels_id(run.pool, run.gold, run.annotations, ids)
        digest += f"|{floored:.4f}" if floored else ""
        digest += f"|negatives {negatives}" if negatives < 1 else ""
        digest += f"|self-trained {sure}" if sure else ""
        row = results.get(key)
        if row and "labels_id" not in row and abs(row["labels_f1"] - label_f1) < 1e-9:
            row["labels_id"] = digest  # a row from before the digest: its label F1 says the labels match
        if row and row.get("labels_id") == digest:
            continue
        if row:
            print(f"retraining the student: {name} (its training labels changed since)", flush=True)
        print(f"training the student: {name} ({len(ids)} reviewed)", flush=True)
        run_as = Candidate(base=run.base, teacher_negatives=negatives)
        measured = student_scores(run, ids, seed, floored, run_as, sure)
        left_out = f" (confidence < {floored:.2f}: {len(run.pool) - len(kept)} documents)"
        shown = name.replace(FLOORED, FLOORED + left_out) if floored else name
        shown = shown.removesuffix(")") + f": {measured['self_trained']} of them)" if sure else shown
        results[key] = {"name": shown, "reviewed": len(ids), "labels_f1": label_f1, "labels_id": digest,
                        **measured}  # fmt: skip
        save_results(RESULTS, results)
    save_results(RESULTS, results)  # digests backfilled above
    return results


def student_scores(
    run: PoolRun, ids: set[str], seed: int, floor: float, run_as: Candidate, sure: float
) -> dict:
    """One student trained on the run's labels (`ids` reviewed), scored on the held-out set."""
    from gliner import GLiNER

    with tempfile.TemporaryDirectory() as tmp:
        config = StudentConfig(max_steps=run.steps, eval_every=50, seed=seed, group_by_length=run.grouped,
                               self_training=sure)  # fmt: skip
        student = train_student(run.pool, run.gold, run.annotations, ids, run.labels, Path(tmp), config,
                                run_as, floor)  # fmt: skip
        model = GLiNER.from_pretrained(str(student.path), local_files_only=True)
        own = student.label_thresholds
        measured = scored(score_model(model, run.held, run.labels, student.threshold, by_label=own))
    added = student.counts.get("self-trained", 0)
    return {**measured, "steps": student.steps, "seconds": student.seconds, "self_trained": added}


def command_of(args, parser) -> str:
    """The command line that measured this run, naming only what differs from the defaults."""
    command = f"python -m benchmarks.review_budget --corpus {args.corpus} --model {args.model}"
    options = ("evaluation", "pool", "budgets", "student_budgets", "steps", "seeds", "training_seeds", "base",
               "teacher_negatives", "self_training")  # fmt: skip
    command += " --group-by-length" if args.group_by_length else ""
    for option in options:
        value = getattr(args, option)
        if value != parser.get_default(option):
            shown = " ".join(map(str, value)) if isinstance(value, list) else value
            command += f" --{option.replace('_', '-')} {shown}"
    return command


if __name__ == "__main__":
    main()
