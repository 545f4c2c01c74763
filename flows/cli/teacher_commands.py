"""`distil annotate`: the teacher over the pool (or a held-out split, to score it)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from corpus.model import Split
from flows.cli.common import ProjectOption, bounds, console, fail, progress_bar, settings_or_exit
from flows.project import Project
from flows.settings import with_overrides
from teacher.config import TeacherConfig


def annotate(
    limit: Annotated[
        int | None, typer.Option(min=1, metavar="N", help="annotate at most this many pool documents")
    ] = None,
    estimate: Annotated[
        bool, typer.Option("--estimate", help="only estimate tokens and cost; call nothing")
    ] = False,
    samples: Annotated[
        int | None,
        typer.Option(
            **bounds(TeacherConfig, "samples"), metavar="N", help="self-consistency samples per document"
        ),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(**bounds(TeacherConfig, "concurrency"), metavar="N", help="calls in flight at once"),
    ] = None,
    split: Annotated[
        Split, typer.Option(help="pool (training data), or validation/test to score the teacher on")
    ] = Split.POOL,
    project: ProjectOption = None,
):
    """Label the pool with the teacher LLM (the configured endpoint, or the local one)."""
    from flows.teacher_step import annotate as run_annotation
    from flows.teacher_step import estimate_annotation
    from teacher.breaker import TeacherHalted

    settings = settings_or_exit(project)
    settings.teacher = with_overrides(settings.teacher, samples=samples, concurrency=concurrency)
    if estimate:
        with Project(settings) as opened:
            e = estimate_annotation(opened, limit, split)
        source = "this model's past calls" if e.calibrated else "a prior (no past calls for this model yet)"
        console.print(
            f"{e.documents} documents, {e.cached} already annotated (free), {e.calls} calls: "
            f"~{e.tokens_in:,} tokens in, ~{e.tokens_out:,} tokens out (output estimated from {source}), "
            f"~${e.cost_usd:.4f}"
        )
        return
    try:
        with progress_bar() as progress, Project(settings) as opened:
            task = progress.add_task("annotating", total=limit)
            summary = run_annotation(
                opened,
                limit,
                progress=console.print,
                on_document=lambda: progress.advance(task),
                split=split,
            )
    except TeacherHalted as halted:
        done = halted.summary
        if done is not None and done.annotated + done.failed + done.cached:
            _print_run_summary(done)
        raise
    _print_run_summary(summary)
    if summary.failed:
        fail(
            f"{summary.failure_line()}; they are kept with their reason, and `distil annotate` retries them",
            1,
        )


def _print_run_summary(summary) -> None:
    table = Table(title="teacher run")
    table.add_column("what")
    table.add_column("value", justify="right")
    for name, value in summary.report_rows():
        table.add_row(name, value)
    console.print(table)
    for doc_id, reason in summary.failures[:20]:
        console.print(f"  failed {doc_id[:12]}: {reason}", highlight=False)
