"""The review-budget section's findings: the issue's goals checked against the rows, one verdict
per budget (rendered into the section by benchmarks/review_budget_report.py)."""

from __future__ import annotations

from benchmarks.report import wrapped
from benchmarks.review_budget_pairs import across_repeats, at_budget, by_doubt, pool, review_pairs
from corpus.metrics import PRF, bootstrap_delta


def paired(a: dict, b: dict) -> tuple[float, float] | None:
    """The paired bootstrap 95% interval of F1(a) - F1(b) on the same held-out documents (none for
    rows measured before per-document counts were kept)."""
    if "per_document" not in a or "per_document" not in b:
        return None
    return bootstrap_delta(*([PRF(*d) for d in row["per_document"]] for row in (a, b)))


def difference(a: dict, b: dict) -> str:
    """F1(a) - F1(b) with its paired interval, as the findings show it ("" where there is none)."""
    interval = paired(a, b)
    if interval is None:
        return ""
    return f"{a['F1'] - b['F1']:+.3f} [{interval[0]:+.2f}, {interval[1]:+.2f}]"


# what the findings add per corpus, from other sections' measurements, while the pool is small
MORE_DATA = {
    "wikigold": """ The bases do learn from more data: on 1,000 gold wikigold sentences (600
steps; the same 100 held-out sentences, "Student recipe") MiniLM with distil's default recipe scores
0.527 [0.44, 0.61], level with the 1.5B teacher's 0.519 here, and mpnet with length-grouped
batches 0.680 [0.60, 0.76], above it. On a pool of 1,000 teacher-labelled sentences (`--pool 1000
--steps 600 --base mpnet --group-by-length`, its own section) the student with the teacher's least
confident documents left out beat the 1.5B teacher beyond the noise in one run (0.612, on the
confidences of an Intel Xeon) and tied it in the next (0.512, on an AMD EPYC's), and the student with
10% of the pool reviewed (routed) ties it too."""
}


def findings(corpus, pool, budgets, quality, students, teacher_scores) -> str:
    """The two goals of the issue, checked against the rows above, one verdict per budget."""
    reviewed = [b for b, n in budgets.items() if n]
    trained = [s for s in students if "labels_f1" in s]
    ceiling = next(s for s in trained if s["name"].startswith("all gold"))
    by_name = {s["name"]: s for s in trained}
    pairs = review_pairs(by_name)
    compared = _compared(budgets, pairs)
    at = [b for b, _ in compared]
    routed, drawn = ([pairs[f"{b}%{alike}"][side] for b, alike in compared] for side in (0, 1))
    overlap = all(r["interval"][0] <= q["interval"][1] and q["interval"][0] <= r["interval"][1]
                  for r, q in zip(routed, drawn, strict=True))  # fmt: skip
    students_read = (
        "For the students it cannot be read off this table: the routed and random students' intervals"
        " overlap at every budget"
        if overlap
        else "For the students: the routed and random students' intervals do not all overlap"
    )
    side_by_side = ", ".join(
        f"{b}%{alike}: {r['F1']:.3f} vs {q['F1']:.3f}"
        for (b, alike), r, q in zip(compared, routed, drawn, strict=True)
    )
    if not at and any(name.startswith("random ") for name in by_name):  # a run stopped before its routed rows
        students_read = "No routed student was trained yet to set against a random one"
        side_by_side = "see the rows above"
    elif not at:  # --student-budgets 0: no reviewed students in this run
        students_read = "No routed or random student was trained in this run"
        side_by_side = "--student-budgets 0"
    teacher_goal = _teacher_goal(corpus, pool, reviewed, quality, trained, teacher_scores)
    apart = _apart(at, routed, drawn, quality)
    noise = _noise(trained, at, routed, drawn, apart)
    noise += _students_bound(reviewed, quality, trained) if overlap and reviewed else ""
    noise += _beyond_the_labels(apart, at, routed, drawn, quality, _seed_scores(trained))
    noise += "".join(_repeated(b, pairs) for b in at) + by_doubt(by_name, quality)
    text = (
        "Goals. Routed review beats random review at the same budget: for the training labels"
        f" {_labels_verdict(reviewed, quality)} {students_read} ({side_by_side}), and the one trained on"
        f" all gold labels scores {ceiling['F1']:.3f}.{noise} Student F1 >="
        f" teacher F1 on the same held-out set: {teacher_goal}"
        " With hub access the default base (`auto`) is the pretrained GLiNER"
        " urchade/gliner_small-v2.1, and a real pool holds thousands of documents: rerun with larger"
        " `--pool` and `--steps` where there is the time (or a GPU) to see the labels' gain carried into"
        " the student."
    )
    return wrapped(text)


def _compared(budgets, pairs: dict) -> list[tuple[int, str]]:
    """Per budget, the routed and random students the goal is read from, by what their names add:
    those trained like the teacher-only student, else those on fewer of the teacher's negatives."""
    compared = []
    for b in budgets:
        sparse = sorted(
            k.removeprefix(f"{b}%") for k in pairs if k.startswith(f"{b}%, ") and k.endswith("negatives")
        )
        alike = next((a for a in ["", *sparse] if f"{b}%{a}" in pairs), None)
        if alike is not None:
            compared.append((b, alike))
    return compared


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
            " errors each holds."
        )
    if more:
        why += (
            f" At {_percents(more)} they held more ({_versus(quality, more, 2, '.0f')}), but fixing them"
            " moved F1 no further (missed and spurious spans weigh differently in F1)."
        )
    return why


def _students_bound(reviewed, quality, trained) -> str:
    """What keeps routed and random students from separating on this held-out set: the training
    labels' gain that routing bought, next to the width of one student's interval."""
    low, high = next(s for s in trained if s["name"] == "teacher only")["interval"]
    gain = _label_gains(quality, reviewed)
    small = [b for b in reviewed if gain[b] < high - low]
    if not small:
        return ""
    gains = ", ".join(f"{b}%: {gain[b]:+.3f}" for b in small)
    return (
        f" What bounds the students: a student's 95% interval on this held-out set is {high - low:.2f}"
        f" wide (teacher only: [{low:.2f}, {high:.2f}]), so two students' intervals stop overlapping only"
        f" when they differ by about that much; routing bought training labels of {gains} F1 over random"
        " review: even carried whole into the students, too little to show. Telling them apart takes a"
        " label gain of that size (a larger budget, or a confidence that finds more of the teacher's"
        " errors) or a larger held-out set."
    )


def _label_gains(quality, budgets) -> dict[int, float]:
    """Per budget, the training labels' F1 routed minus random (random averaged over its draws)."""
    return {b: quality[b]["routed"][0] - quality[b]["random"][0] for b in budgets}


def _apart(at, routed, drawn, quality) -> list[int]:
    """Budgets where the paired routed-random difference excludes 0 though the labels barely differ."""
    labels = _label_gains(quality, at)
    return [b for b, r, q in zip(at, routed, drawn, strict=True)
            if _excludes_zero(paired(r, q)) and abs(r["F1"] - q["F1"]) > 3 * abs(labels[b])]  # fmt: skip


def _beyond_the_labels(apart, at, routed, drawn, quality, seeds: list[float] = ()) -> str:
    """The `apart` budgets: one run each cannot tell the review's share of the gap from the
    training run's; the teacher-only student's F1 under each seed tells it roughly."""
    if not apart:
        return ""
    pairs = dict(zip(at, zip(routed, drawn, strict=True), strict=True))
    labels = _label_gains(quality, at)
    gaps = ", ".join(f"{b}%: {difference(*pairs[b])} against labels {labels[b]:+.3f}" for b in apart)
    return (
        f" Yet paired on the held-out documents the students do differ at {_percents(apart)} ({gaps}):"
        " far more than their training labels do. Which documents were reviewed may teach more than"
        " their labels' F1 shows (routing sends the hardest ones), or the gap is the training run's own"
        + _against_the_seeds([abs(pairs[b][0]["F1"] - pairs[b][1]["F1"]) for b in apart], seeds)
    )


def _against_the_seeds(gaps: list[float], seeds: list[float]) -> str:
    if len(seeds) <= 1:
        return " noise: one student each cannot tell (`--training-seeds` measures that noise)."
    spread = max(seeds) - min(seeds)
    if all(gap > spread for gap in gaps):
        return (
            f" noise. The gap is wider than the teacher-only seeds' spread ({spread:.3f}), which speaks for"
            f" the review, on {len(seeds)} seeds (a repeat of the routed and random pair, `--review-seeds`,"
            " says more)."
        )
    return f" noise. The teacher-only seeds' spread ({spread:.3f}) is as wide: the noise may be all of it."


def _seed_scores(trained) -> list[float]:
    """The teacher-only student's F1 under each seed it was trained with (`--training-seeds`)."""
    return [s["F1"] for s in trained if s["name"].startswith("teacher only")]


def _repeated(budget: int, by_key: dict) -> str:
    """The routed-random comparison at one budget over its repeats (`--review-seeds`): each pair's
    gap, and the pairs pooled (each side's per-document counts summed, so each document is judged
    once for all the pairs' students together)."""
    pairs = at_budget(by_key, budget)
    if len(pairs) < 2 or any("per_document" not in row for pair in pairs for row in pair):
        return ""
    gap, low, high, verdict = pool(pairs)
    gaps = ", ".join(f"{r['F1'] - q['F1']:+.3f}" for r, q in pairs)
    if verdict == "within the noise" and _excludes_zero(paired(*pairs[0])):
        verdict += ": the first pair's gap did not repeat"
    f1s = [[pair[side]["F1"] for pair in pairs] for side in (0, 1)]  # routed's, random's
    moved = [max(f1) - min(f1) for f1 in f1s]
    return (
        f" Repeated {len(pairs)} times at {budget}% (another random draw, audit sample and training seed"
        f" each time): routed minus random {gaps}; between repeats the routed student moved"
        f" {moved[0]:.3f} and the random one {moved[1]:.3f}; the pairs pooled, {gap:+.3f}"
        f" [{low:+.2f}, {high:+.2f}] paired, {verdict}{across_repeats(pairs)}."
    )


def _excludes_zero(interval: tuple[float, float] | None) -> bool:
    return interval is not None and (interval[0] > 0 or interval[1] < 0)


def _noise(trained, at, routed, drawn, apart=()) -> str:
    """The seed-to-seed spread of the teacher-only student, where it was trained more than once;
    the `apart` budgets' gaps are set against it later (`_against_the_seeds`), not here."""
    repeats = _seed_scores(trained)
    if len(repeats) <= 1:
        return ""
    spread = max(repeats) - min(repeats)
    scores = ", ".join(f"{f1:.3f}" for f1 in repeats)
    wider = [(b, r, q) for b, r, q in zip(at, routed, drawn, strict=True)
             if abs(r["F1"] - q["F1"]) > spread and b not in apart]  # fmt: skip
    sides = {b: "routed" if r["F1"] > q["F1"] else "random" for b, r, q in wider}
    ahead = (
        f"{next(iter(sides.values()))} ahead"
        if len(set(sides.values())) == 1
        else ", ".join(f"{side} ahead at {b}%" for b, side in sides.items())
    )
    return (
        f" Training noise: the teacher-only student trained with {len(repeats)} seeds on the same labels"
        f" scores {scores}, a spread of {spread:.3f}; a gap between two students smaller than that may"
        " be the seed, not the labels."
        + (
            f" The routed-random gap is wider than that at {_percents(sides)} ({ahead}; a spread"
            f" from {len(repeats)} seeds is itself a rough estimate)."
            if wider
            else ""
            if apart
            else " No routed-random gap is wider than that."
        )
    )


def _teacher_goal(corpus, pool, reviewed, quality, trained, teacher_scores) -> str:
    """Whether the best pipeline student beat the teacher, and what bounds it where it did not."""
    ceiling = next(s for s in trained if s["name"].startswith("all gold"))
    # The goal is about what the pipeline produces (teacher labels plus a review budget); the
    # all-gold student is a ceiling, not a pipeline output, so it does not count towards it.
    best = max((s for s in trained if s is not ceiling), key=lambda s: s["F1"])
    beats_teacher = best["F1"] >= teacher_scores["F1"]
    goal = f"{'met' if beats_teacher else 'NOT met'} (best student, {best['name']}:"
    goal += f" {best['F1']:.3f}, teacher {teacher_scores['F1']:.3f})"
    if beats_teacher and (tie := _tied(best, teacher_scores)):
        return goal + f", but {tie}: a tie within the noise of this held-out set."
    if beats_teacher:
        gap = difference(best, teacher_scores)
        return goal + (f", beyond the noise: {gap} paired." if gap else ".")
    if ceiling["F1"] < teacher_scores["F1"]:
        gap = difference(ceiling, teacher_scores) or f"{ceiling['F1']:.3f}"
        return goal + (
            f". Why: the student on all gold labels is itself below the teacher ({gap}): the offline"
            " base's span heads start untrained (the base-model row), and a pool this size on 2 CPU cores"
            " teaches them little even from gold labels; the ceiling bounds every student here."
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


def _tied(student: dict, teacher_scores: dict) -> str:
    """Why a student above its teacher is still level with it ("" where it is not): the paired
    difference holds 0 (both score the same documents), or, for rows kept before per-document
    counts, the teacher's score lies inside the student's own interval."""
    interval = paired(student, teacher_scores)
    if interval is not None:
        return (
            ""
            if _excludes_zero(interval)
            else f"the paired difference holds 0 ({difference(student, teacher_scores)})"
        )
    low, high = student["interval"]
    return (
        "the teacher's score lies inside that student's interval"
        if low <= teacher_scores["F1"] <= high
        else ""
    )
