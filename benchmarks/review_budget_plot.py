"""The review-budget plot: training labels' F1 and the students' F1 against the share of the pool
reviewed (routed and random), beside the teacher and the student on all gold."""

from __future__ import annotations

import re
from pathlib import Path


def plot(budgets, quality, students, teacher_scores, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = list(budgets)
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.plot(xs, [quality[b]["routed"][0] for b in xs], marker="o", label="training labels, routed")
    axes.plot(xs, [quality[b]["random"][0] for b in xs], marker="o", label="training labels, random")
    for how in ("routed", "random"):
        points = [(s["reviewed"], s["F1"]) for s in students  # the plain budgets, not the variants
                  if re.fullmatch(rf"{how} \d+%", s["name"]) or s["name"] == "teacher only"]  # fmt: skip
        share = {n: b for b, n in budgets.items()}
        axes.plot([share[n] for n, _ in points], [f for _, f in points], marker="s", linestyle="--",
                  label=f"student, {how}")  # fmt: skip
    repeats = [s["F1"] for s in students if s["name"].startswith("teacher only")]
    if len(repeats) > 1:  # the seed alone: how far apart two students on the same labels land
        axes.vlines(0, min(repeats), max(repeats), color="purple", linewidth=3, label="student, seed spread")
    axes.axhline(teacher_scores["F1"], color="grey", linestyle=":", label="teacher (held out)")
    ceiling = next(s["F1"] for s in students if s["name"].startswith("all gold"))
    axes.axhline(ceiling, color="black", linestyle=":", label="student on all gold")
    axes.set(xlabel="review budget (% of the pool)", ylabel="strict F1", ylim=(0, 1))
    axes.legend(fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
