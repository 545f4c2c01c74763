"""`distil demo` and `distil distill`: the Prefect pipeline from the command line, with a summary."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from flows.artifacts import promotion_verdict
from flows.cli.common import ProjectOption, console, fail, progress_bar, settings_or_exit
from flows.settings import Settings

# What the demo ignores: everything that would point it outside its own folder (a team's
# endpoint, key, database, Argilla, production path, guidelines). Settings that only tune the
# embedded run (DISTIL_TEACHER__LOCAL_MODEL, DISTIL_STUDENT__MAX_STEPS, ...) still apply.
SEALED = (
    "DISTIL_PROJECT_DIR", "DISTIL_DATABASE_URL", "DISTIL_GUIDELINES",
    "DISTIL_TEACHER__BASE_URL", "DISTIL_TEACHER__MODEL", "DISTIL_TEACHER__API_KEY",
    "DISTIL_REVIEW__API_URL", "DISTIL_REVIEW__API_KEY", "DISTIL_EXPORT__PRODUCTION_PATH",
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "ARGILLA_API_URL", "ARGILLA_API_KEY",
)  # fmt: skip


def seal_environment() -> list[str]:
    """Drop the variables that would point the demo at anything but its embedded defaults;
    return their names, to say so."""
    ignored = sorted(name for name in SEALED if name in os.environ)
    for name in ignored:
        del os.environ[name]
    return ignored


def run_demo_command(directory: Path) -> None:
    from flows import pipeline
    from flows.cli.log_file import follow_prefect
    from flows.demo_run import DEMO_MINUTES, first_run_cost, run_demo, setup

    follow_prefect()
    ignored = seal_environment()
    settings = setup(directory)
    console.print(
        f"distil demo in {directory}/: the demo corpus (60 documents) and its human validation set "
        "(30), the local llama.cpp teacher, review routing, CPU training, INT8 export. "
        f"About {DEMO_MINUTES} minutes on 2 cores."
    )
    if ignored:
        console.print(f"ignored (the demo runs on embedded defaults only): {', '.join(ignored)}")
    for note in first_run_cost(settings):
        console.print(f"first run: {note}")
    console.print("Prefect: no PREFECT_API_URL, so flows run on its local in-process API")
    with progress_bar() as progress:
        documents = progress.add_task("teacher: documents", total=90)
        pipeline.listen(
            lambda message: progress.console.print(f"  {escape(message)}", highlight=False),
            lambda: progress.advance(documents),
        )
        summary = run_demo(directory)
    table = Table(title=f"distil demo: done in {summary.minutes:.1f} minutes")
    table.add_column("what")
    table.add_column("value", justify="right")
    f1 = lambda x: f"{x:.3f}" if x is not None else "-"  # noqa: E731
    rows = [
        ("pool documents (raw)", summary.pool_documents),
        ("human validation documents (held out)", summary.validation_documents),
        ("teacher F1 on validation (strict)", f1(summary.teacher_f1)),
        ("student F1 on validation (strict)", f1(summary.student_f1)),
        ("student size, PyTorch fp32", f"{summary.pytorch_mb:.1f} MB"),
        (f"bundle size, ONNX {summary.shipped_format}", f"{summary.bundle_mb:.1f} MB"),
        ("latency per sentence, batch 1 (CPU)", f"{summary.latency_ms:.1f} ms"),
        ("documents waiting for review", summary.review_queued),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)
    console.print("stages: " + ", ".join(f"{stage} {s:.0f} s" for stage, s in summary.seconds.items()))
    console.print(f"promotion: {escape(summary.promotion)}")
    console.print(f"bundle: {summary.bundle}")  # outside the table: paths stay whole, copy-pasteable
    console.print(f"production path: {summary.production}")
    console.print(f"store: {summary.store_url}")
    if summary.review_message:
        console.print(f"review: {escape(summary.review_message)}")
    if summary.failures:
        fail(summary.failures, 1)


def run_distill_command(
    settings: Settings,
    inputs: list[Path] | None,
    validation: list[Path] | None,
    limit: int | None,
    promote: bool,
) -> None:
    from flows.cli.log_file import follow_prefect
    from flows.end_to_end import distill
    from flows.pipeline import DocumentsFailed

    follow_prefect()
    missing = [str(p) for p in [*(inputs or []), *(validation or [])] if not p.exists()]
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}")
    try:
        result = distill(
            str(settings.project_dir),
            inputs=[str(p) for p in inputs or []],
            validation=[str(p) for p in validation or []],
            limit=limit,
            promote=promote,
        )
    except DocumentsFailed as failed:  # every stage ran; some documents wait for the next run
        _print_distill(failed.result)
        fail(str(failed), 1)
    _print_distill(result)


def _print_distill(result) -> None:
    t = result.teacher
    table = Table(title="distill")
    table.add_column("stage")
    table.add_column("result")
    table.add_column("seconds", justify="right")
    review = result.review
    tokens = t.tokens_in + t.tokens_out
    rows = [
        ("annotate", f"{t.annotated} new, {t.cached} cached, {t.failed} failed, {tokens:,} tokens"),
        ("review", review["unavailable"] or f"pushed {review['pushed']}, pulled {review['pulled']}"),
        ("train", f"{result.model_id}, from {result.student_base}"),
        ("evaluate", ", ".join(f"{k} F1 {v:.3f}" for k, v in result.evaluation.items() if v is not None)),
        ("export", f"{result.export.get('shipped')} -> {result.export.get('bundle')}"),
    ]  # fmt: skip
    if result.promotion is not None:
        rows.append(("promote", promotion_verdict(result.promotion)))
    for stage, text in rows:
        table.add_row(stage, escape(text), f"{result.seconds.get(stage, 0):.0f}")
    console.print(table)


def demo(
    directory: Annotated[Path, typer.Argument(help="where the demo project goes")] = Path("distil-demo"),
):
    """The whole pipeline on distil's own demo corpus, embedded defaults only (no server, key or GPU)."""
    run_demo_command(directory)


def distill(
    inputs: Annotated[list[Path] | None, typer.Argument(help="raw files to add to the pool first")] = None,
    validation: Annotated[
        list[Path] | None,
        typer.Option(metavar="FILE", help="human-labelled files to hold out for validation (repeatable)"),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, metavar="N", help="annotate at most this many pool documents")
    ] = None,
    promote: Annotated[bool, typer.Option(help="promote the model if it passes the gate")] = True,
    project: ProjectOption = None,
):
    """Run every stage as Prefect flows: annotate, review sync, train, evaluate, export, promote.
    Work already done is skipped; a failed run resumes where it stopped."""
    run_distill_command(settings_or_exit(project), inputs, validation, limit, promote)
