"""What the review-budget benchmark writes: its BENCHMARKS.md section (tables, calibration, the
findings that check the issue's two goals against the rows) and its plots (review_budget_plot.py).
The measuring is in benchmarks/review_budget.py."""

from __future__ import annotations

from pathlib import Path

from benchmarks.report import calibration_plot, table, wrapped
from benchmarks.review_budget_findings import difference, findings
from benchmarks.review_budget_pairs import review_pairs
from benchmarks.review_budget_plot import plot
from benchmarks.teacher_quality import confidence_auroc
from benchmarks.threshold_rules import shipped_rule
from export.latency import cpu_name
from student.backbone import public_name
from student.thresholds import ThresholdSweep

PLOTS = Path(__file__).resolve().parent / "plots"


DEFAULT_MODEL = "qwen2.5-coder-0.5b"
DEFAULT_POOL = 120  # a section of another pool size keeps a name and title of its own


def students_variant(args) -> list[tuple[str, str]]:
    """The students' base and batching where they are not the defaults, each as (short name,
    words): one source for a run's section name, its rows' keys and its title."""
    parts = [] if args.base == "minilm" else [(args.base, f"student {args.base}")]
    return parts + ([("grouped", "length-grouped batches")] if args.group_by_length else [])


def run_name(args) -> str:
    """The corpus, and the teacher, the students' base and the pool where they are not the
    defaults: each keeps its own section."""
    name = args.corpus if args.model == DEFAULT_MODEL else f"{args.corpus}-{args.model}"
    pool = "" if args.pool == DEFAULT_POOL else f"-pool{args.pool}"
    return name + "".join(f"-{short}" for short, _ in students_variant(args)) + pool


def title_of(args) -> str:
    shown = [] if args.model == DEFAULT_MODEL else [f"teacher {args.model}"]
    shown += [words for _, words in students_variant(args)]
    shown += [] if args.pool == DEFAULT_POOL else [f"pool {args.pool}"]
    return f"Review budgets: routed vs random review ({', '.join([args.corpus, *shown])})"


LABEL_HEADERS = ["budget", "documents", "labels F1 routed", "labels F1 random", "wrong among routed",
                 "wrong among random", "errors fixed routed", "errors fixed random",
                 "labels F1 by doubt", "errors fixed by doubt"]  # fmt: skip
STUDENT_HEADERS = ["trained on", "reviewed", "labels F1", "P", "R", "F1 [95%]", "F1 - teacher [95%]"]


def _student_base(args) -> str:
    grouped = "; batches of texts of about the same length" if args.group_by_length else ""
    return f"{public_name(args.base).split('/')[-1]} with new GLiNER heads{grouped}"


def render(args, teacher, teacher_scores, pairs, budgets, quality, students, failures) -> str:
    """`failures`: why the teacher has no labels for some pool documents (reason -> count)."""
    plot_name = f"review_budget_{run_name(args)}.png"
    plot(budgets, quality, students, teacher_scores, PLOTS / plot_name)
    calibration = calibration_plot(
        [("ensemble confidence", pairs)],
        f"{teacher} on {args.corpus}: the {len(pairs)} pool documents",
        f"review_budget_calibration_{run_name(args)}.png",
    )
    return f"""{_about(args, teacher, pairs)}

{_calibration_text(args, pairs, failures)}

{calibration}

Training labels after review, strict F1 against the pool's gold, how many of the reviewed
documents the teacher had got wrong, and how many span errors (missed or spurious) their review
fixed:

{table(LABEL_HEADERS, _label_rows(budgets, quality))}

{reading_text(budgets, quality)}

Students ({args.steps} steps on CPU from the offline base, {_student_base(args)}),
strict F1 on the held-out documents with its 95% bootstrap interval, next to the teacher's labels
on the same documents:

{table(STUDENT_HEADERS, _student_rows(students, teacher, teacher_scores))}

{_under_the_table(students)}

![student and label F1 per review budget](benchmarks/plots/{plot_name})

{findings(args.corpus, args.pool, budgets, quality, students, teacher_scores)}
"""


def _label_rows(budgets, quality) -> list[list]:
    return [
        [f"{b}%", n, f"{quality[b]['routed'][0]:.3f}",
         f"{quality[b]['random'][0]:.3f} ± {quality[b]['random_sd']:.3f}",
         f"{quality[b]['routed'][1]:.0%}" if n else "", f"{quality[b]['random'][1]:.0%}" if n else "",
         f"{quality[b]['routed'][2]}" if n else "", f"{quality[b]['random'][2]:.1f}" if n else "",
         f"{quality[b]['doubt'][0]:.3f}", f"{quality[b]['doubt'][2]}" if n else ""]
        for b, n in budgets.items()
    ]  # fmt: skip


def reading_text(budgets, quality) -> str:
    """The reviewers' cost: routing by doubt sends the documents with the most doubtful spans,
    which are the longer ones, so errors fixed per document overstate the gain per hour of review."""
    read = {b: quality[b]["read"] for b, n in budgets.items() if n}
    if not read:
        return ""
    ways = (("routed", 0), ("random", 1), ("by doubt", 2))
    per_document = "; ".join(
        f"{b}%: " + ", ".join(f"{chars[i] / budgets[b]:.0f} {way}" for way, i in ways)
        for b, chars in read.items()
    )
    fixed = {b: (quality[b]["routed"][2], quality[b]["random"][2], quality[b]["doubt"][2]) for b in read}
    per_thousand = "; ".join(
        f"{b}%: " + ", ".join(f"{1000 * fixed[b][i] / chars[i]:.1f} {way}" for way, i in ways)
        for b, chars in read.items()
    )
    marked = "; ".join(
        f"{b}%: " + ", ".join(f"{quality[b]['entities'][i] / budgets[b]:.1f} {way}" for way, i in ways)
        for b in read
    )
    across = quality[next(iter(read))]["entities"][3]
    return wrapped(f"""What the reviewers read: characters per reviewed document ({per_document}); span
errors fixed per 1,000 characters read ({per_thousand}); gold entities per reviewed document
({marked}; {across:.1f} across the pool).""")


def _student_rows(students, teacher, teacher_scores) -> list[list]:
    def f1(row) -> str:
        low, high = row["interval"]
        return f"{row['F1']:.3f} [{low:.2f}, {high:.2f}]"

    rows = [
        [s["name"], s.get("reviewed", ""), f"{s['labels_f1']:.3f}" if "labels_f1" in s else "",
         f"{s['P']:.3f}", f"{s['R']:.3f}", f1(s), difference(s, teacher_scores)]
        for s in students
    ]  # fmt: skip
    return rows + [[f"teacher ({teacher})", "", "", f"{teacher_scores['P']:.3f}",
                    f"{teacher_scores['R']:.3f}", f1(teacher_scores), ""]]  # fmt: skip


def _under_the_table(students: list[dict]) -> str:
    texts = (routed_against_random(students), thresholds_text(students), machines_text(students))
    return "\n\n".join(text for text in texts if text)


def machines_text(students: list[dict], here: str | None = None) -> str:
    """Which CPU trained which student, where it is not only this one: a section's rows can come
    from several runs (the header names the machine that wrote the section, `here`), and the CPU
    changes training's numbers and time."""
    by_cpu: dict[str, list[str]] = {}
    for s in students:
        if "labels_f1" in s:  # trained here (the base row is only scored)
            by_cpu.setdefault(s.get("cpu", "not recorded"), []).append(s["name"])
    here = here or cpu_name()
    if list(by_cpu) in ([], [here], ["not recorded"]):
        return ""
    if len(by_cpu) == 1:
        return wrapped(
            f"The students were trained on {next(iter(by_cpu))}; this section was written on {here}."
        )
    return wrapped(
        "The students were trained on more than one machine: "
        + "; ".join(f"{cpu}: " + ", ".join(f'"{name}"' for name in names) for cpu, names in by_cpu.items())
        + "."
    )


def thresholds_text(students: list[dict]) -> str:
    """What each student's threshold, chosen on its teacher-labelled dev split, cost held out against
    the grid's best (rows trained since the held-out curve was recorded)."""
    told = [s for s in students if s.get("held_out_curve")]
    if not told:
        return ""
    parts = []
    for s in told:
        curve = [(t, f1) for t, f1 in s["held_out_curve"]]
        at, (best_t, best) = dict(curve), ThresholdSweep(s["threshold"], [], curve).held_out_best()
        parts.append(f"{s['name']}: {s['threshold']} (dev F1 {s['dev_f1']:.3f}, checkpoint of step "
                     f"{s['best_step']}), held out {at.get(s['threshold'], s['F1']):.3f}{_shipped(s, at)}; "
                     f"the grid's best held out: {best_t} ({best:.3f})")  # fmt: skip
    return wrapped(
        "The threshold each student answers at is swept on its dev split (15% of the "
        "pool, teacher-labelled unless reviewed) and is dev's best, so rows stay comparable; "
        "distil's default rule (benchmarks/threshold_rules.py) would answer at the threshold "
        'after "distil:"; held-out F1 at every threshold of the grid shows what each choice '
        "cost (never used to choose): " + "; ".join(parts) + "."
    )


def _shipped(student: dict, held_out: dict) -> str:
    """Held-out F1 at the threshold distil's default rule takes on this student's dev curve, where
    it differs from the row's."""
    if not student.get("dev_thresholds"):
        return ""
    chosen = shipped_rule(student["name"])([tuple(p) for p in student["dev_thresholds"]])
    if chosen == student["threshold"] or chosen not in held_out:
        return ""
    return f" (distil: {chosen}, {held_out[chosen]:.3f})"


def _auroc_text(pairs) -> str:
    auroc = confidence_auroc(pairs)
    every = "right" if all(r for _, r in pairs) else "wrong"
    return f"n/a (every pool document is {every})" if auroc is None else f"{auroc:.2f} (0.5 is chance)"


def _about(args, teacher, pairs) -> str:
    return wrapped(f"""{args.corpus}. Held out: the first {args.evaluation} documents (human labels);
training pool: the next {args.pool}. Teacher: `{teacher}` as the embedded default asks it (schema
grammar, `names_only` as the guidelines set it, one sample per document) but without few-shot
examples (`few_shot = 0`, as this section was first measured; the default is now 3), its document confidence
from agreeing with a student trained on 200 reviewed documents from the end of the corpus
(`ensemble = "confidence"`); confidence AUROC on the pool: {_auroc_text(pairs)}. An oracle reviewer (the
pool's gold labels) stands in for the annotators. "routed": the documents the review policy sends
(`review/policy.py` in its default order: failed or invalid first, rare labels, then the least
confident, a tenth of the budget as a random audit; the budget alone decides, no threshold); "routed
by doubt" (`--doubt`): the policy in its `doubt` order (failed first, then the most doubtful, doubt
being (1 - confidence) x the spans the confidence weighed); "random": the same number drawn
at random ({args.seeds} draws averaged for the labels, the first draw for the student); "reviewed xN":
each reviewed document trained on N times as often as a teacher-labelled one (`human_weight`).""")


def _calibration_text(args, pairs, failures) -> str:
    """How the confidence reads as a probability, and the documents the teacher failed on."""
    mean_confidence = sum(c for c, _ in pairs) / len(pairs)
    right = sum(r for _, r in pairs) / len(pairs)
    if abs(mean_confidence - right) <= 0.1:
        reading = "close on average"
    else:
        reading = "over" if mean_confidence > right else "under"
        reading += "confident as a probability; review uses its order (the AUROC), not its value"
    if confidence_auroc(pairs) is None and not all(r for _, r in pairs):
        # nothing to rank right from wrong; error counts still differ
        reading += (
            "; with no document exactly right the order can only tell documents with more errors"
            " from documents with fewer (the errors-fixed columns below)"
        )
    text = wrapped(f"""Calibration of that confidence on the pool (per fifth of
confidence, the share of documents whose spans are exactly the gold): mean confidence
{mean_confidence:.2f}, exactly right {right:.0%}: {reading}.""")
    if failures:  # no labels and no confidence: routed first, left out of training unless reviewed
        reasons = "; ".join(f"{n}: {reason}" for reason, n in sorted(failures.items(), key=lambda f: -f[1]))
        text += "\n\n" + wrapped(f"""The teacher failed on {sum(failures.values())} of the
{args.pool} pool documents ({reasons}): they have no confidence (left out of the plot and the AUROC),
the policy routes them first, and unreviewed they are left out of training.""")
    return text


def routed_against_random(students: list[dict]) -> str:
    """Routed minus random review, per budget, paired on the held-out documents: the goal asks for
    intervals that do not overlap, and a paired interval that excludes 0 is the stricter reading.
    Students routed in doubt order (`--doubt`) are set against the same random ones."""
    by_name = {s["name"]: s for s in students}
    sentences = []
    for routed, words in (("routed ", "Routed"), ("routed by doubt ", "Routed by doubt")):
        pairs = review_pairs(by_name, routed)
        shown = [(b, d) for b, (one, drawn) in pairs.items() if (d := difference(one, drawn))]
        if shown:
            sentences.append(
                f"{words} minus random student, paired on the held-out documents: "
                + ", ".join(f"{b}: {d}" for b, d in shown)
                + "."
            )
    return " ".join(sentences)
