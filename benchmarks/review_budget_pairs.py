"""Review budgets: the routed and random students trained alike, found by name and pooled over
their repeats (`--review-seeds`), and the students routed in the policy's doubt order (`--doubt`)."""

from __future__ import annotations

import math
import statistics

from corpus.metrics import PRF, bootstrap_delta


def review_pairs(by_name: dict, routed: str = "routed ") -> dict[str, tuple[dict, dict]]:
    """The routed and random students trained alike, keyed by what follows `routed` in their
    names ("10%", "10%, seed 1", "10%, 50% negatives"); `routed="routed by doubt "` pairs the
    students routed in doubt order with the same random ones."""
    return {
        name.removeprefix(routed): (row, by_name[f"random {name.removeprefix(routed)}"])
        for name, row in by_name.items()
        if name.startswith(routed) and f"random {name.removeprefix(routed)}" in by_name
    }


def at_budget(pairs: dict, budget: int) -> list[tuple[dict, dict]]:
    """One budget's pairs: the first draw, then its repeats by seed (`--review-seeds`)."""
    keys = [f"{budget}%"] + sorted(k for k in pairs if k.startswith(f"{budget}%, seed "))
    return [pairs[k] for k in keys if k in pairs]


def pool(pairs: list[tuple[dict, dict]]) -> tuple[float, float, float, str]:
    """Routed minus random over several pairs, each side's per-document counts summed: the gap,
    its paired interval and what it says."""
    routed, drawn = (pooled([pair[side] for pair in pairs]) for side in (0, 1))
    low, high = bootstrap_delta(routed, drawn)
    verdict = ("routed ahead beyond the noise" if low > 0 else "random ahead beyond the noise" if high < 0
               else "within the noise")  # fmt: skip
    return PRF.total(routed).f1 - PRF.total(drawn).f1, low, high, verdict


def across_repeats(pairs: list[tuple[dict, dict]]) -> str:
    """The pairs' gaps as repeats of one experiment (each pair one observation): their mean with a
    95% t-interval, which holds the training seed's and the draw's noise. The pooled interval
    (`pool`) holds only the held-out documents' noise: its students are taken as they came out."""
    from scipy.stats import t

    gaps = [r["F1"] - q["F1"] for r, q in pairs]
    if len(gaps) < 2:
        return ""
    mean, sd = statistics.mean(gaps), statistics.stdev(gaps)
    half = t.ppf(0.975, len(gaps) - 1) * sd / math.sqrt(len(gaps))
    low, high = mean - half, mean + half
    verdict = "beyond that noise"
    if low <= 0 <= high:
        verdict = "within that noise"
        if mean:  # the repeats' spread says how many it takes to bound a gap this size
            needed = pairs_to_tell(gaps, mean)
            verdict += (
                f" (at this spread about {max(needed, len(gaps) + 1)} pairs would tell a gap of this size)"
            )
    return (
        f"; the {len(gaps)} pairs taken as repeats (the training seed's and the draw's noise counted),"
        f" {mean:+.3f} [{low:+.2f}, {high:+.2f}], {verdict}"
    )


def pairs_to_tell(gaps: list[float], gap: float) -> int:
    """How many pairs at the gaps' spread would bound a gap of this size away from 0."""
    return math.ceil((1.96 * statistics.stdev(gaps) / gap) ** 2)


def label_rate(by_name: dict) -> float | None:
    """Student F1 gained per point of training labels' F1, from the teacher-only students (their
    mean) to the all-gold one: a straight-line guess at how much of a label gain reaches a student."""
    teacher, ceiling = by_name.get("teacher only"), by_name.get("all gold (ceiling)")
    if teacher is None or ceiling is None or ceiling["labels_f1"] <= teacher["labels_f1"]:
        return None
    seeds = statistics.mean(row["F1"] for name, row in by_name.items() if name.startswith("teacher only"))
    rate = (ceiling["F1"] - seeds) / (ceiling["labels_f1"] - teacher["labels_f1"])
    return rate if rate > 0 else None  # gold labels taught less than the teacher's: no rate to carry


def _carried(expected: float, rate: float | None) -> str:
    if rate is None or expected <= 0:
        return ""
    return (
        f" (about {expected:+.3f} for a student if carried at the rate from the teacher-only"
        f" students to the all-gold one, {rate:.2f} student F1 per label F1)"
    )


def _enough(found: list[tuple[dict, dict]], expected: float) -> str:
    """Whether the pairs are enough to tell a student gap of the size the labels' gain predicts."""
    if len(found) < 2 or expected <= 0:
        return ""
    needed = pairs_to_tell([r["F1"] - q["F1"] for r, q in found], expected)
    if needed > len(found):
        return f"; a gap of {expected:+.3f} takes about {needed} pairs at this spread: too few to tell it"
    return f"; {len(found)} pairs are enough at this spread to tell a gap of {expected:+.3f}"


def by_doubt(by_name: dict, quality: dict) -> str:
    """The students routed in the policy's doubt order (`--doubt`) against the same random ones:
    the labels' gain next to the students', pooled over the repeats."""
    pairs = review_pairs(by_name, "routed by doubt ")
    text, rate = "", label_rate(by_name)
    for budget in sorted({int(k.split("%")[0]) for k in pairs}):
        found = [pair for pair in at_budget(pairs, budget) if all("per_document" in row for row in pair)]
        if not found:
            continue
        labels = quality[budget]["doubt"][0] - quality[budget]["random"][0]
        expected = labels * rate if rate else 0.0  # the student gap the labels' gain predicts
        gap, low, high, verdict = pool(found)
        scores = ", ".join(f"{r['F1']:.3f} vs {q['F1']:.3f}" for r, q in found)
        text += (
            f' Routed by doubt (`order = "doubt"`) at {budget}%: training labels {labels:+.3f} F1 over'
            f" random{_carried(expected, rate)}, its students {scores} against random;"
            f" {gap:+.3f} [{low:+.2f}, {high:+.2f}] paired"
            f"{' over the ' + str(len(found)) + ' pairs pooled' if len(found) > 1 else ''}, {verdict}"
            + (
                ": the labels' gain did not reach the students, so a larger label gain alone does not"
                " tell routed from random students here"
                if labels > 0 and high < 0
                else ""
            )
            + f"{across_repeats(found)}{_enough(found, expected)}."
        )
    return text


def pooled(rows: list[dict]) -> list[PRF]:
    """Per held-out document, the counts of several students summed."""
    per_student = (row["per_document"] for row in rows)
    return [PRF.total(PRF(*d) for d in counts) for counts in zip(*per_student, strict=True)]
