"""`distil review ...`: human review in Argilla."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from flows.cli.common import ProjectOption, console, project_or_exit
from review.policy import Route
from review.queue import ReviewStatus

review_app = typer.Typer(help="Human review in Argilla: route, push, pull, status.", no_args_is_help=True)


def _print_sync(report) -> None:
    if report.routed:
        routed = sum(d.route == Route.REVIEW for d in report.routed)
        console.print(
            f"routed {len(report.routed)} new documents: {routed} to review, "
            f"{len(report.routed) - routed} accepted with the teacher's labels"
        )
    if report.pulled:
        p = report.pulled
        agreement = (
            f", annotator agreement F1 {p.agreement_f1:.3f} on {p.multi_annotated}"
            if p.multi_annotated
            else ""
        )
        console.print(f"pulled {p.submitted} submitted, {p.discarded} discarded{agreement}")
        if p.agreement_per_label:
            labels = ", ".join(f"{label} {f1:.3f}" for label, f1 in p.agreement_per_label.items())
            console.print(f"agreement F1 per label: {labels}")
        for repair in p.repaired:
            console.print(f"[yellow]reviewer span repaired:[/] {escape(repair)}")
    if report.pushed:
        console.print(
            f"pushed {report.pushed.pushed}; left {report.pushed.already_answered} already answered"
        )
    if report.url and report.pushed:
        console.print(f"review at {report.url}")
    if report.unavailable:
        console.print(f"[yellow]review backend unavailable:[/] {escape(report.unavailable)}")


@review_app.command("push")
def review_push(project: ProjectOption = None):
    """Route newly annotated documents, pull answers, then push what waits for review."""
    from flows.review_step import sync

    with project_or_exit(project) as opened:
        _print_sync(sync(opened))


@review_app.command("pull")
def review_pull(project: ProjectOption = None):
    """Bring submitted and discarded reviews back into the store."""
    from flows.review_step import sync

    with project_or_exit(project) as opened:
        _print_sync(sync(opened, do_route=False, do_push=False))


@review_app.command("requeue")
def review_requeue(project: ProjectOption = None):
    """Send discarded documents to review again: their records start afresh at the next push."""
    from flows.review_step import requeue

    with project_or_exit(project) as opened:
        count = requeue(opened)
    console.print(f"requeued {count} discarded documents; `distil review push` sends them")


@review_app.command("status")
def review_status(project: ProjectOption = None):
    """The review queue, and the teacher's precision/recall and calibration against reviewers."""
    from flows.review_step import status

    with project_or_exit(project) as opened:
        counts, metrics = status(opened)
    table = Table(title="review queue")
    table.add_column("status")
    table.add_column("documents", justify="right")
    for name in ReviewStatus:
        table.add_row(name, str(counts.get(name, 0)))
    console.print(table)
    if metrics.documents:
        t = metrics.teacher
        console.print(
            f"teacher vs reviewers on {metrics.documents} documents: precision {t.precision:.3f}, "
            f"recall {t.recall:.3f}, F1 {t.f1:.3f}"
        )
        calibration = Table(title="calibration: teacher confidence vs agreement with reviewers")
        for column in ("confidence", "documents", "mean F1 vs reviewers"):
            calibration.add_column(column)
        for band, n, f1 in metrics.calibration:
            calibration.add_row(band, str(n), f"{f1:.3f}" if n else "-")
        console.print(calibration)
