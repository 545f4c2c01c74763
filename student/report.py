"""The evaluation report: markdown plus PNG plots (per-label F1, threshold curve,
confusion between labels), written next to the model."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from corpus.metrics import Scores
from student.thresholds import ThresholdSweep


def _score(value: float) -> str:
    """F1, precision and recall as everywhere in distil: 0-1 with three decimals."""
    return f"{value:.3f}"


def _row(name: str, scores: Scores | None) -> str:
    if scores is None:
        return f"| {name} | - | - | - | - | - |"
    low, high = scores.f1_interval or (0.0, 0.0)
    m = scores.micro
    return (
        f"| {name} | {_score(m.precision)} | {_score(m.recall)} | **{_score(m.f1)}** | "
        f"{_score(low)}-{_score(high)} | {_score(scores.macro_f1)} |"
    )


def write_report(
    out_dir: Path,
    results: dict[str, Scores | None],
    sweep: ThresholdSweep | None,
    labels,
    title: str,
    advice: str | None = None,
) -> Path:
    """`results`: name -> scores on the same held-out set ("teacher", "student", "base"); `sweep`:
    the student's threshold and its F1 at every threshold, on dev and held out; `advice`: what the
    scores suggest changing, shown under them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    student = results.get("student")
    lines = [
        f"# {title}",
        "",
        "Strict entity-level scores (exact start, end and label) on the held-out human set.",
        "",
        "| labels from | precision | recall | F1 | F1 95% bootstrap | macro F1 |",
        "|---|---|---|---|---|---|",
    ]
    lines += [_row(name, scores) for name, scores in results.items()]
    if advice:
        lines += ["", f"**Advice:** {advice}"]
    if student is not None:
        lines += _student_section(plt, student, labels, out_dir)
    if sweep and sweep.dev:
        _threshold_plot(plt, sweep, out_dir / "threshold.png")
        lines += ["", "## Decision threshold (swept on dev)", "", sweep.summary()]
        lines += ["", "![threshold](threshold.png)"]
        (out_dir / "threshold.json").write_text(json.dumps(asdict(sweep), indent=2), encoding="utf-8")
    path = out_dir / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out_dir / "metrics.json").write_text(
        json.dumps({name: s.as_dict() if s else None for name, s in results.items()}, indent=2),
        encoding="utf-8",
    )
    return path


def _student_section(plt, student: Scores, labels, out_dir: Path) -> list[str]:
    """The student's per-label table, errors and F1 by entity length, with its plots."""
    lines = [
        "",
        "## Student per label",
        "",
        "| label | precision | recall | F1 | gold |",
        "|---|---|---|---|---|",
    ]
    for label in labels:
        prf = student.per_label.get(label)
        if prf:
            cells = [
                label,
                _score(prf.precision),
                _score(prf.recall),
                _score(prf.f1),
                str(prf.tp + prf.fn),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Student errors",
        "",
        *(f"- {kind}: {n}" for kind, n in sorted(student.errors.items())),
    ]
    lines += ["", "## Student F1 by entity length (words)", ""]
    lines += [f"- {k}: {_score(v.f1)} ({v.tp + v.fn} gold)" for k, v in sorted(student.by_length.items())]
    _per_label_plot(plt, student, labels, out_dir / "per_label_f1.png")
    _confusion_plot(plt, student, labels, out_dir / "confusion.png")
    lines += ["", "![per-label F1](per_label_f1.png)", "![confusion](confusion.png)"]
    return lines


def _per_label_plot(plt, scores: Scores, labels, path: Path) -> None:
    shown = [label for label in labels if label in scores.per_label]
    figure, axis = plt.subplots(figsize=(max(4, len(shown) * 0.8), 3))
    axis.bar(shown, [scores.per_label[label].f1 for label in shown], color="#4c72b0")
    axis.set_ylim(0, 1)
    axis.set_ylabel("strict F1")
    axis.set_title("Student F1 per label")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _confusion_plot(plt, scores: Scores, labels, path: Path) -> None:
    labels = list(labels)
    matrix = [[scores.confusion.get((gold, predicted), 0) for predicted in labels] for gold in labels]
    figure, axis = plt.subplots(figsize=(max(4, len(labels) * 0.7), max(3, len(labels) * 0.6)))
    axis.imshow(matrix, cmap="Blues")
    axis.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    axis.set_yticks(range(len(labels)), labels)
    axis.set_xlabel("predicted label (same offsets)")
    axis.set_ylabel("gold label")
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if value:
                axis.text(j, i, str(value), ha="center", va="center")
    axis.set_title("Confusion between labels")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _threshold_plot(plt, sweep: ThresholdSweep, path: Path) -> None:
    figure, axis = plt.subplots(figsize=(4, 3))
    draw_sweep(axis, sweep)
    axis.set_title("Threshold sweep")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def draw_sweep(axis, sweep: ThresholdSweep) -> None:
    """F1 against the threshold on dev (what chose it) and held out (what it cost), the chosen marked."""
    axis.plot([t for t, _ in sweep.dev], [f for _, f in sweep.dev], marker="o", label="dev")
    if sweep.held_out:
        held_out = sweep.held_out
        axis.plot([t for t, _ in held_out], [f for _, f in held_out], marker="s", label="held out")
    axis.axvline(sweep.chosen, color="grey", linestyle=":", label=f"chosen ({sweep.chosen})")
    axis.set_xlabel("threshold")
    axis.set_ylabel("F1")
    axis.legend(fontsize="small")
