"""Review budgets: does routing review by the teacher's doubt beat reviewing at random?

An oracle reviewer stands in for the annotators: a reviewed training document's gold labels
replace the teacher's, as reviewed labels do in the pipeline. For each budget (share of the
training pool reviewed) the documents are chosen by the review policy (review/policy.py, the
budget alone deciding: no confidence threshold; most doubtful first, doubt being (1 - confidence) x
the spans the confidence weighed) or at random. Measured: the quality of the resulting training
labels against the pool's gold (every budget; random averaged over seeds), the characters reviewed,
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

Teacher annotations are kept in a store under ~/.cache/distil/benchmarks (a re-run reuses them)
and in benchmarks/results/teacher_labels/ (a fresh machine reuses them: teacher_label_files.py);
each student's scores in benchmarks/results/review_budget.json with a digest of its training
labels (a re-run trains only what is missing, or what was trained on labels that have changed).
`--training-seeds N` trains the teacher-only student N times under different seeds: how far a
student moves with the seed alone, next to the routed-random gaps; `--review-seeds N` repeats the
routed and random students themselves (another random draw, audit sample and training seed each
time), and the findings pool the pairs.
The section and its plot are written by benchmarks/review_budget_report.py.

Every student trains on all of a teacher document's unlabelled spans as negatives
(`teacher_negatives = 1.0`: gliner's way, and distil's default)
unless its row names a share (`--teacher-negatives`), so earlier rows keep their meaning;
`--review-negatives` trains the routed and random students (and `--doubt`'s) on each such share too.
A row named "reviewed xN" (`--human-weight N`) trains each reviewed document N times as often as a
teacher-labelled one (the candidate's `human_weight`); every other row, once.

`--doubt` also trains "routed by doubt" students: the documents the policy routes in its doubt
order (`order = "doubt"`), under each review seed, set against the same random students.

`--base mpnet` trains every student from all-mpnet-base-v2 instead of MiniLM, and
`--group-by-length` with batches of texts of about the same length (student/batching.py); each
keeps its own rows and section.

python -m benchmarks.review_budget [--corpus wikigold] [--model qwen2.5-coder-0.5b] [--evaluation 100]
    [--pool 120] [--budgets 0 5 10 25] [--student-budgets 0 5 10 25] [--steps 200] [--seeds 5]
    [--training-seeds 1] [--review-seeds 1] [--base minilm] [--group-by-length] [--teacher-negatives 0.5 ...]
    [--review-negatives] [--self-training 0.7 ...] [--human-weight 3 ...]
"""

from __future__ import annotations

import argparse
from collections import Counter

from benchmarks import teacher_label_files as label_files
from benchmarks.report import load_results, save_results, write_section
from benchmarks.review_budget_labels import label_quality_at, spans
from benchmarks.review_budget_report import (
    DEFAULT_MODEL,
    DEFAULT_POOL,
    render,
    run_name,
    students_variant,
    title_of,
)
from benchmarks.review_budget_students import (
    RESULTS,
    PoolRun,
    scored,
    student_conditions,
    train_students,
    trained_on_other_labels,
)
from benchmarks.reviewed_student import CACHE, reviewed_documents, reviewed_student
from benchmarks.teacher_quality import CORPORA, annotate_all, confidence_pairs
from corpus.guideline_files import load_guidelines
from corpus.metrics import score
from corpus.model import Annotation, AnnotationStatus, Annotator, AnnotatorKind, Split
from corpus.store import Store
from student.backbone import OFFLINE_BASES
from student.evaluate import HeldOut, score_model
from teacher.config import TeacherConfig
from teacher.local_server import local_alias, local_teacher
from teacher.plan import CallPlan

REVIEWED = 200  # documents at the end of the corpus that train the ensemble's student


def teacher_labels(
    corpus, model, evaluation, pool, guidelines, opinion_of, ask: bool = True
) -> tuple[str, dict[str, Annotation]]:
    """The teacher's annotation of every document: from the cached store, the committed label file
    (benchmarks/teacher_label_files.py), or the local server; `opinion_of()` makes the second opinion.
    `ask=False` (`--report`) never starts the server or trains the opinion: it stops if labels are missing."""
    documents = [item.document for item in evaluation + pool]
    # one store per held-out set, whatever the pool: a larger pool reuses what a smaller one annotated
    path = CACHE / f"review-budget-{corpus}-{model}-{len(evaluation)}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    earlier = sorted(CACHE.glob(f"{path.stem}-*.db"), key=lambda p: p.stat().st_size)
    if not path.exists() and earlier:  # a store from when they were kept per pool size
        earlier[-1].rename(path)
    # the teacher as this section measured it (before few-shot became the default): a re-run stays comparable
    config = TeacherConfig(samples=1, concurrency=1, few_shot=0)
    alias, labels_file = local_alias(model), label_files.file_of(path)
    with Store(f"sqlite:///{path}") as store:
        store.add_labelled(evaluation, Split.VALIDATION, Annotator(AnnotatorKind.HUMAN, "gold"))
        store.add_documents(item.document for item in pool)  # their gold stays out of the teacher's store
        plan = CallPlan(store, guidelines, alias, config)
        if restored := label_files.restore(plan, documents, labels_file):
            print(f"{restored} teacher calls read from {labels_file.name}", flush=True)
        left = len(documents) - len(plan.finished(documents))
        if left and not ask:
            raise SystemExit(
                f"review_budget --report: {left} of {len(documents)} documents have no teacher labels here"
                f" ({path.name}, {labels_file.name}): run without --report to label them"
            )
        if left:  # the server starts only for what is left
            try:
                with local_teacher(model) as (url, served):
                    dots = lambda: print(".", end="", flush=True)  # noqa: E731
                    opinion = opinion_of()
                    print(
                        annotate_all(store, guidelines, url, served, config, documents, opinion, dots),
                        flush=True,
                    )
            finally:  # what was labelled is kept, however the run ends
                label_files.save(store, labels_file)
        found = store.annotations(annotator=alias, document_ids=[d.id for d in documents])
    return alias, {a.document_id: a for a in found}


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default="wikigold", choices=list(CORPORA))
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--evaluation", type=int, default=100)
    parser.add_argument("--pool", type=int, default=DEFAULT_POOL)
    parser.add_argument("--budgets", type=int, nargs="+", default=[0, 5, 10, 25], help="percent of the pool")
    parser.add_argument("--student-budgets", type=int, nargs="+", default=[0, 5, 10, 25])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=5, help="random draws averaged for the label quality")
    parser.add_argument(
        "--training-seeds", type=int, default=1, help="train the teacher-only student this many times (noise)"
    )
    parser.add_argument(
        "--review-seeds", type=int, default=1,
        help="train the routed and random students this many times, each further time with another"
        " random draw, audit sample and training seed (a repeat of the comparison)",
    )  # fmt: skip
    parser.add_argument(
        "--doubt", action="store_true",
        help="also train students on the documents the policy routes in doubt order (order = \"doubt\")",
    )  # fmt: skip
    parser.add_argument("--base", default="minilm", choices=list(OFFLINE_BASES), help="every student's base")
    parser.add_argument("--group-by-length", action="store_true", help="batches of texts of similar length")
    parser.add_argument(
        "--teacher-negatives", type=float, nargs="*", default=[],
        help="also train with these shares of the teacher's unlabelled spans as negatives",
    )  # fmt: skip
    parser.add_argument(
        "--review-negatives", action="store_true",
        help="train the routed and random students (and --doubt's) on each --teacher-negatives share too",
    )  # fmt: skip
    parser.add_argument(
        "--self-training", type=float, nargs="*", default=[],
        help="also self-train the floored student on the left-out documents at these scores "
        "(with the first --teacher-negatives)",
    )  # fmt: skip
    parser.add_argument(
        "--human-weight", type=int, nargs="*", default=[],
        help="also train routed and random students with each reviewed document weighed this many times",
    )  # fmt: skip
    parser.add_argument(
        "--report", action="store_true",
        help="write the section from the rows already trained, training and labelling none (a run stopped"
        " part way); stops where teacher labels are missing",
    )  # fmt: skip
    return parser


def held_out_and_pool(everything: list, evaluation: int, pool: int) -> tuple[list, list]:
    """The first `evaluation` documents held out, the next `pool` distinct ones the training pool:
    a document repeated in the corpus is held out once, never also in the pool."""
    held = everything[:evaluation]
    seen, kept = {item.document.id for item in held}, []
    for item in everything[evaluation:]:
        if len(kept) < pool and item.document.id not in seen:
            seen.add(item.document.id)
            kept.append(item)
    return held, kept


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
    evaluation, pool = held_out_and_pool(everything, args.evaluation, args.pool)
    guidelines = load_guidelines(guidelines_name)
    labels = tuple(guidelines.label_names)

    def gold_of(items):
        return [[s for s in item.spans if s.label in labels] for item in items]

    eval_gold, pool_gold = gold_of(evaluation), gold_of(pool)
    reviewed = reviewed_documents(everything, REVIEWED, evaluation)
    # the second opinion is trained only if the teacher has documents left to label
    opinion = lambda: reviewed_student(args.corpus, reviewed, guidelines_name)  # noqa: E731
    teacher, annotations = teacher_labels(
        args.corpus, args.model, evaluation, pool, guidelines, opinion, ask=not args.report
    )
    held = HeldOut([item.document for item in evaluation], eval_gold)
    teacher_scores = scored(score(eval_gold, [spans(annotations.get(d.id)) for d in held.documents]))
    pairs = confidence_pairs(annotations, [item.document.id for item in pool], pool_gold)
    failures = failures_of(annotations, pool)

    budgets = {b: round(b / 100 * len(pool)) for b in sorted(set(args.budgets) | set(args.student_budgets))}
    quality = {
        budget: label_quality_at(pool, pool_gold, annotations, n, args.seeds) for budget, n in budgets.items()
    }

    # MiniLM's rows keep the keys they had before --base
    based = "".join(f"|{short}" for short, _ in students_variant(args))
    prefix = f"{args.corpus}|{teacher}|{args.evaluation}|{args.pool}|{args.steps}{based}"
    pool_run = PoolRun(pool, pool_gold, annotations, labels, held, budgets, args.steps, args.base,
                       args.group_by_length)  # fmt: skip
    conditions, results = student_conditions(args), load_results(RESULTS)
    untrained = [c.name for c in conditions if f"{prefix}|{c.name}" not in results]
    if args.report:  # the students trained so far on today's labels, in the order a full run lists them
        untrained += trained_on_other_labels(pool_run, prefix, conditions, results)
        conditions = [c for c in conditions if c.name not in untrained]
        missing = {"teacher only", "all gold (ceiling)"} - {c.name for c in conditions}
        if missing:  # the findings compare every student with these two
            missed = " or ".join(sorted(missing))
            parser.error(f"--report: no row on these teacher labels yet for {missed} (run without --report)")
    else:
        results = train_students(pool_run, prefix, conditions, results)
    base = base_row(args, based, held, labels, results)
    students = [results[f"{prefix}|{name}"] for name, *_ in conditions] + [base]
    body = render(args, teacher, teacher_scores, pairs, budgets, quality, students, failures)
    if args.report and untrained:
        body += (
            "\nNot trained yet on these teacher labels (the section was written with `--report`):"
            f" {'; '.join(untrained)}.\n"
        )
    write_section(f"review-budget-{run_name(args)}", title_of(args), command_of(args, parser), body)


def failures_of(annotations: dict[str, Annotation], pool) -> Counter:
    """Why pool documents have no usable teacher annotation, counted by reason."""
    return Counter(
        (a.error or a.status.value).split(" (")[0] if a else "never annotated"
        for a in (annotations.get(item.document.id) for item in pool)
        if a is None or a.status is not AnnotationStatus.OK
    )


def base_row(args, based: str, held: HeldOut, labels, results: dict) -> dict:
    """The untrained base on the held-out set: measured once per corpus, held-out size and base."""
    key = f"{args.corpus}|base|{args.evaluation}{based}"
    if key not in results:
        from student.backbone import load_base

        results[key] = {
            "name": "base model (untrained heads)",
            **scored(score_model(load_base(args.base), held, labels, 0.5)),
        }
        save_results(RESULTS, results)
    return results[key]


def command_of(args, parser) -> str:
    """The command line that measured this run, naming only what differs from the defaults."""
    command = f"python -m benchmarks.review_budget --corpus {args.corpus} --model {args.model}"
    options = ("evaluation", "pool", "budgets", "student_budgets", "steps", "seeds", "training_seeds",
               "review_seeds", "base",
               "teacher_negatives", "self_training", "human_weight")  # fmt: skip
    command += " --group-by-length" if args.group_by_length else ""
    command += " --review-negatives" if args.review_negatives else ""
    command += " --doubt" if args.doubt else ""
    for option in options:
        value = getattr(args, option)
        if value != parser.get_default(option):
            shown = " ".join(map(str, value)) if isinstance(value, list) else value
            command += f" --{option.replace('_', '-')} {shown}"
    return command


if __name__ == "__main__":
    main()
