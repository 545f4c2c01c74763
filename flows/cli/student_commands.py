"""`distil train` and `distil evaluate`: the student, and its scores beside the teacher's."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from corpus.model import Split
from flows.cli.common import ProjectOption, bounds, console, fail, settings_or_exit
from flows.project import Project
from flows.settings import with_overrides
from student.config import StudentConfig


def train(
    max_steps: Annotated[
        int | None,
        typer.Option(**bounds(StudentConfig, "max_steps"), metavar="N", help="training steps per candidate"),
    ] = None,
    project: ProjectOption = None,
):
    """Fine-tune GLiNER student candidates on reviewed + accepted teacher labels; keep the best on dev F1
    (the first listed where dev holds fewer than min_dev_entities)."""
    from flows.student_step import train as run_training

    settings = settings_or_exit(project)
    settings.student = with_overrides(settings.student, max_steps=max_steps)
    with Project(settings) as opened:
        trained = run_training(opened, progress=console.print)
    table = Table(title="student candidates (winner first)")
    for column in ("base", "lr", "floor", "dev F1", "untrained", "threshold", "steps", "samples/s", "device"):
        table.add_column(column)
    for s in trained:
        table.add_row(
            s.base,
            str(s.candidate["learning_rate"]),
            str(s.candidate["teacher_floor"]),
            f"{s.dev_f1:.3f}",
            f"{s.untrained_dev_f1:.3f}",
            str(s.threshold) + "".join(f", {label} {t}" for label, t in sorted(s.label_thresholds.items())),
            str(s.steps),
            str(s.samples_per_second),
            s.device,
        )
    console.print(table)
    winner = trained[0]  # its base whole: a narrow terminal cuts the table's cells
    console.print(f"winner: {winner.path} (from {winner.base}, training set {winner.training_set_hash})")


def evaluate(
    model: Annotated[Path | None, typer.Argument(help="a student folder (default: the latest)")] = None,
    split: Annotated[Split, typer.Option(help="held-out split to score on")] = Split.VALIDATION,
    project: ProjectOption = None,
):
    """Score the student beside production, the teacher's labels and the base model on held-out
    human labels; writes report.html (scores, plots, example errors) next to the model."""
    from flows.student_step import evaluate as run_evaluation
    from flows.student_step import latest_student

    settings = settings_or_exit(project)
    model = model or latest_student(settings)
    if model is None:
        fail("no trained student yet: run `distil train` first")
    try:
        with Project(settings) as opened:
            evaluation = run_evaluation(opened, model, split)
    except ValueError as error:
        fail(str(error))
    table = Table(title=f"strict span F1 on {evaluation.documents} held-out {split} documents")
    for column in ("labels from", "precision", "recall", "F1", "95% interval"):
        table.add_column(column)
    for name, scores in evaluation.results.items():
        if scores is None:
            table.add_row(name, "-", "-", "-", "not annotated")
            continue
        low, high = scores.f1_interval
        table.add_row(
            name,
            f"{scores.micro.precision:.3f}",
            f"{scores.micro.recall:.3f}",
            f"{scores.micro.f1:.3f}",
            f"{low:.3f}-{high:.3f}",
        )
    console.print(table)
    if evaluation.thresholds:
        console.print(evaluation.thresholds.summary(), markup=False)
    if evaluation.advice:
        console.print(evaluation.advice, markup=False)
    console.print(
        f"report: {evaluation.html} (one file: open it in a browser; markdown: {evaluation.report.name})"
    )


def report(
    model: Annotated[Path | None, typer.Argument(help="a student folder (default: the latest)")] = None,
    split: Annotated[Split, typer.Option(help="held-out split the report is on")] = Split.VALIDATION,
    project: ProjectOption = None,
):
    """Print the path of a student's HTML evaluation report, evaluating it first when it has
    none on this split (open the file in any browser: it needs no network)."""
    from flows.student_step import evaluate as run_evaluation
    from flows.student_step import latest_student

    settings = settings_or_exit(project)
    model = model or latest_student(settings)
    if model is None:
        fail("no trained student yet: run `distil train` first")
    html = Path(model) / f"evaluation-{split}" / "report.html"
    if not html.exists():
        try:
            with Project(settings) as opened:
                html = run_evaluation(opened, Path(model), split).html
        except ValueError as error:
            fail(str(error))
    print(html.resolve())
