"""What the review-budget benchmark writes: its BENCHMARKS.md section (tables, calibration, the
findings that check the issue's two goals against the rows) and its plots (review_budget_plot.py).
The measuring is in benchmarks/review_budget.py."""

from __future__ import annotations

from pathlib import Path

from benchmarks.report import calibration_plot, table, wrapped
from benchmarks.review_budget_plot import plot
from benchmarks.teacher_quality import confidence_auroc
from corpus.metrics import PRF, bootstrap_delta
from student.backbone import public_name

PLOTS = Path(__file__).resolve().parent / "plots"


DEFAULT_MODEL = "qwen2.5-coder-0.5b"


def students_variant(args) -> list[tuple[str, str]]:
    """The students' base and batching where they are not the defaults, each as (short name,
    words): one source for a run's section name, its rows' keys and its title."""
    parts = [] if getattr(args, "base", "minilm") == "minilm" else [(args.base, f"student {args.base}")]
    grouped = getattr(args, "group_by_length", False)
    return parts + ([("grouped", "length-grouped batches")] if grouped else [])


def run_name(args) -> str:
    """The corpus, and the teacher and the students' base where they are not the defaults: each
    keeps its own section."""
    name = args.corpus if args.model == DEFAULT_MODEL else f"{args.corpus}-{args.model}"
    return name + "".join(f"-{short}" for short, _ in students_variant(args))


def title_of(args) -> str:
    shown = [] if args.model == DEFAULT_MODEL else [f"teacher {args.model}"]
    shown += [words for _, words in students_variant(args)]
    return f"Review budgets: routed vs random review ({', '.join([args.corpus, *shown])})"


LABEL_HEADERS = ["budget", "documents", "labels F1 routed", "labels F1 random", "wrong among routed",
                 "wrong among random", "errors fixed routed", "errors fixed random"]  # fmt: skip
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

Students ({args.steps} steps on CPU from the offline base, {_student_base(args)}),
strict F1 on the held-out documents with its 95% bootstrap interval, next to the teacher's labels
on the same documents:

{table(STUDENT_HEADERS, _student_rows(students, teacher, teacher_scores))}

{routed_against_random(students)}

![student and label F1 per review budget](benchmarks/plots/{plot_name})

{findings(args.corpus, args.pool, budgets, quality, students, teacher_scores)}
"""


def _label_rows(budgets, quality) -> list[list]:
    return [
        [f"{b}%", n, f"{quality[b]['routed'][0]:.3f}",
         f"{quality[b]['random'][0]:.3f} ± {quality[b]['random_sd']:.3f}",
         f"{quality[b]['routed'][1]:.0%}" if n else "", f"{quality[b]['random'][1]:.0%}" if n else "",
         f"{quality[b]['routed'][2]}" if n else "", f"{quality[b]['random'][2]:.1f}" if n else ""]
        for b, n in budgets.items()
    ]  # fmt: skip


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
(`review/policy.py`: failed or invalid first, rare labels, then the least confident, a tenth of the
budget as a random audit; the budget alone decides, no threshold); "random": the same number drawn
at random ({args.seeds} draws averaged for the labels, the first draw for the student).""")


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


def difference(a: dict, b: dict) -> str:
    """F1(a) - F1(b) on the same held-out documents, with its paired bootstrap 95% interval (rows
    measured before per-document counts were kept show none)."""
    if "per_document" not in a or "per_document" not in b:
        return ""
    low, high = bootstrap_delta(*([PRF(*d) for d in row["per_document"]] for row in (a, b)))
    return f"{a['F1'] - b['F1']:+.3f} [{low:+.2f}, {high:+.2f}]"


def routed_against_random(students: list[dict]) -> str:
    """Routed minus random review, per budget, paired on the held-out documents: the goal asks for
    intervals that do not overlap, and a paired interval that excludes 0 is the stricter reading."""
    by_name = {s["name"]: s for s in students}
    budgets = [n.removeprefix("routed ") for n in by_name if n.startswith("routed ")]
    shown = [(b, difference(by_name[f"routed {b}"], by_name[f"random {b}"])) for b in budgets
             if f"random {b}" in by_name]  # fmt: skip
    shown = [(b, d) for b, d in shown if d]
    if not shown:
        return ""
    return (
        "Routed minus random student, paired on the held-out documents: "
        + ", ".join(f"{b}: {d}" for b, d in shown)
        + "."
    )


# what the findings add per corpus, from other sections' measurements, while the pool is small
MORE_DATA = {
    "wikigold": """ The same base does learn from more data: trained on 1,000 gold wikigold
sentences for 400 steps it scores 0.48 ("Inference per format", 400 other sentences), above this
teacher; a pool of about 1,000 teacher-labelled sentences is the run that would test the goal on
this base (`--pool 1000 --steps 400`: 1,100 calls of the 0.5B, 4-8 s each on this machine, and six
400-step students of about 7 minutes each; not run yet)."""
}


def findings(corpus, pool, budgets, quality, students, teacher_scores) -> str:
    """The two goals of the issue, checked against the rows above, one verdict per budget."""
    reviewed = [b for b, n in budgets.items() if n]
    trained = [s for s in students if "labels_f1" in s]
    ceiling = next(s for s in trained if s["name"].startswith("all gold"))
    by_name = {s["name"]: s for s in trained}
    at = [b for b in budgets if f"routed {b}%" in by_name]
    routed, drawn = [by_name[f"routed {b}%"] for b in at], [by_name[f"random {b}%"] for b in at]
    overlap = all(r["interval"][0] <= q["interval"][1] and q["interval"][0] <= r["interval"][1]
                  for r, q in zip(routed, drawn, strict=True))  # fmt: skip
    students_read = (
        "For the students it cannot be read off this table: the routed and random students' intervals"
        " overlap at every budget"
        if overlap
        else "For the students: the routed and random students' intervals do not all overlap"
    )
    side_by_side = ", ".join(
        f"{b}%: {r['F1']:.3f} vs {q['F1']:.3f}" for b, r, q in zip(at, routed, drawn, strict=True)
    )
    if not at:  # --student-budgets 0: no reviewed students in this run
        students_read = "No routed or random student was trained in this run"
        side_by_side = "--student-budgets 0"
    teacher_goal = _teacher_goal(corpus, pool, reviewed, quality, trained, teacher_scores)
    text = (
        "Goals. Routed review beats random review at the same budget: for the training labels"
        f" {_labels_verdict(reviewed, quality)} {students_read} ({side_by_side}), and the one trained on"
        f" all gold labels scores {ceiling['F1']:.3f}.{_noise(trained, at, routed, drawn)} Student F1 >="
        f" teacher F1 on the same held-out set: {teacher_goal}"
        " With hub access the default base (`auto`) is the pretrained GLiNER"
        " urchade/gliner_small-v2.1, and a real pool holds thousands of documents: rerun with larger"
        " `--pool` and `--steps` where there is the time (or a GPU) to see the labels' gain carried into"
        " the student."
    )
    return wrapped(text)


def _percents(bs) -> str:
    return ", ".join(f"{b}%" for b in bs)


def _versus(quality, bs, column: int, form: str) -> str:
    """Routed against random per budget, in one column of the label-quality rows."""
    pairs = [(b, quality[b]["routed"][column], quality[b]["random"][column]) for b in bs]
    return ", ".join(f"{b}%: {r:{form}} vs {q:{form}}" for b, r, q in pairs)


def _labels_verdict(reviewed, quality) -> str:
    """Whether routed review gave better training labels than random, per budget, and why not."""
    gap = {b: quality[b]["routed"][0] - quality[b]["random"][0] for b in reviewed}
    level = [b for b in reviewed if abs(gap[b]) <= quality[b]["random_sd"]]  # within the draws' spread
    wins = [b for b in reviewed if gap[b] > 0 and b not in level]
    losses = [b for b in reviewed if gap[b] < 0 and b not in level]
    if wins == reviewed:
        verdict = (
            f"met at every budget ({_versus(quality, reviewed, 0, '.3f')}): the policy finds the documents"
        )
        if all(quality[b][how][1] == 1 for b in reviewed for how in ("routed", "random")):
            # every reviewed document was wrong either way: what differs is how many errors each held
            return verdict + f" with the most errors to fix ({_versus(quality, reviewed, 2, '.0f')})."
        return verdict + " the teacher got wrong."
    parts = [f"met at {_percents(wins)}"] if wins else ["NOT met at any budget"]
    if level:
        parts.append(f"level at {_percents(level)} (within one standard deviation of the random draws)")
    if losses and wins:
        parts.append(f"behind at {_percents(losses)}")
    verdict = "; ".join(parts) + f": {_versus(quality, reviewed, 0, '.3f')}."
    return verdict + _why_behind([b for b in reviewed if b not in wins], quality)


def _why_behind(behind, quality) -> str:
    """Where routed review did not win, what the errors-fixed column says about why."""
    fewer = [b for b in behind if quality[b]["routed"][2] <= quality[b]["random"][2]]
    more = [b for b in behind if b not in fewer]
    why = ""
    if fewer:
        more_wrong = all(quality[b]["routed"][1] >= quality[b]["random"][1] for b in fewer)
        why += (
            f" At {_percents(fewer)} the routed documents held no more span errors to fix than random"
            f" ones ({_versus(quality, fewer, 2, '.0f')})"
            + (
                f" though as many or more of them were wrong ({_versus(quality, fewer, 1, '.0%')})"
                if more_wrong
                else ""
            )
            + ": when most documents hold an error, which ones are reviewed matters less than how many"
            " errors each holds, and the policy orders by confidence, not by that."
        )
    if more:
        why += (
            f" At {_percents(more)} they held more ({_versus(quality, more, 2, '.0f')}), but fixing them"
            " moved F1 no further (missed and spurious spans weigh differently in F1)."
        )
    return why


def _noise(trained, at, routed, drawn) -> str:
    """The seed-to-seed spread of the teacher-only student, where it was trained more than once."""
    repeats = [s for s in trained if s["name"].startswith("teacher only")]
    if len(repeats) <= 1:
        return ""
    spread = max(s["F1"] for s in repeats) - min(s["F1"] for s in repeats)
    scores = ", ".join(f"{s['F1']:.3f}" for s in repeats)
    wider = [(b, r, q) for b, r, q in zip(at, routed, drawn, strict=True) if abs(r["F1"] - q["F1"]) > spread]
    sides = {b: "routed" if r["F1"] > q["F1"] else "random" for b, r, q in wider}
    ahead = (
        f"{next(iter(sides.values()))} ahead"
        if len(set(sides.values())) == 1
        else ", ".join(f"{side} ahead at {b}%" for b, side in sides.items())
    )
    return (
        f" Training noise: the teacher-only student trained with {len(repeats)} seeds on the same labels"
        f" scores {scores}, a spread of {spread:.3f}; a gap between two students smaller than that may"
        " be the seed, not the labels. "
        + (
            f"The routed-random gap is wider than that at {_percents(sides)} ({ahead}; a spread"
            f" from {len(repeats)} seeds is itself a rough estimate)."
            if wider
            else "No routed-random gap is wider than that."
        )
    )


def _teacher_goal(corpus, pool, reviewed, quality, trained, teacher_scores) -> str:
    """Whether the best pipeline student beat the teacher, and what bounds it where it did not."""
    ceiling = next(s for s in trained if s["name"].startswith("all gold"))
    # The goal is about what the pipeline produces (teacher labels plus a review budget); the
    # all-gold student is a ceiling, not a pipeline output, so it does not count towards it.
    best = max((s for s in trained if s is not ceiling), key=lambda s: s["F1"])
    beats_teacher = best["F1"] >= teacher_scores["F1"]
    within_noise = best["interval"][0] <= teacher_scores["F1"] <= best["interval"][1]
    goal = f"{'met' if beats_teacher else 'NOT met'} (best student, {best['name']}:"
    goal += f" {best['F1']:.3f}, teacher {teacher_scores['F1']:.3f})"
    if beats_teacher and within_noise:
        return (
            goal + ", but the teacher's score lies inside that student's interval: a tie within the noise"
            " of this held-out set."
        )
    if beats_teacher:
        return goal + "."
    if ceiling["F1"] < teacher_scores["F1"]:
        return goal + (
            ". Why: the offline base's span heads start untrained (the"
            " base-model row), and a pool this size on 2 CPU cores teaches them little even from gold"
            " labels; the ceiling bounds every student here."
            + (MORE_DATA.get(corpus, "") if pool < 1000 else "")
        )
    top = max(reviewed, default=0)  # the base can beat the teacher from this pool: the labels hold it back
    teacher_only = next(s for s in trained if s["name"] == "teacher only")
    return goal + (
        f". Why: from this pool the base can beat the teacher (all gold labels: {ceiling['F1']:.3f}),"
        " but the students learn from the teacher's labels, F1"
        f" {teacher_only['labels_f1']:.3f} against the pool's gold"
        + (f" ({quality[top]['routed'][0]:.3f} with {top}% routed to review)" if top else "")
        + ", and learn its mistakes along with its right answers."
    )
