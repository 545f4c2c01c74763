"""`distil demo` and `distil distill`: the Prefect pipeline from the command line, with a summary."""

from __future__ import annotations

import os
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from flows.cli_common import console, fail, progress_bar
from flows.settings import Settings


def _pipeline_errors():
    from corpus.errors import InputError
    from corpus.registry import RegistryError
    from teacher.local_server import LocalServerError
    from teacher.models import ModelError

    return (InputError, RegistryError, LocalServerError, ModelError, ValueError)


def run_demo_command(directory: Path) -> None:
    # Prefect's own run logs would interleave with the progress display; the stages report here.
    # Its local API phones home by default; the demo promises to need no network.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows import pipeline
    from flows.demo import first_run_cost, run_demo, setup

    settings = setup(directory)
    console.print(
        f"distil demo in {directory}/: the demo corpus (60 documents) and its human validation set "
        "(30), the local llama.cpp teacher, review routing, CPU training, INT8 export. "
        "About 8-10 minutes on 2 cores."
    )
    for note in first_run_cost(settings):
        console.print(f"first run: {note}")
    console.print("Prefect: no PREFECT_API_URL, so flows run on its local in-process API")
    with progress_bar() as progress:
        documents = progress.add_task("teacher: documents", total=90)
        pipeline.listen(
            lambda message: progress.console.print(f"  {escape(message)}", highlight=False),
            lambda: progress.advance(documents),
        )
        try:
            summary = run_demo(directory)
        except _pipeline_errors() as error:
            fail(str(error))
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
    console.print(f"promotion: {escape(summary.promotion)}")
    console.print(f"bundle: {summary.bundle}")  # outside the table: paths stay whole, copy-pasteable
    console.print(f"production path: {summary.production}")
    console.print(f"store: {summary.store_url}")
    if summary.review_message:
        console.print(f"review: {escape(summary.review_message)}")


def run_distill_command(
    settings: Settings,
    inputs: list[Path] | None,
    validation: list[Path] | None,
    limit: int | None,
    promote: bool,
) -> None:
    from flows.pipeline import distill

    try:
        result = distill(
            str(settings.project_dir),
            inputs=[str(p) for p in inputs or []],
            validation=[str(p) for p in validation or []],
            limit=limit,
            promote=promote,
        )
    except _pipeline_errors() as error:
        fail(str(error))
    t = result.teacher
    table = Table(title="distill")
    table.add_column("stage")
    table.add_column("result")
    table.add_row(
        "annotate",
        f"{t.annotated} new, {t.cached} cached, {t.failed} failed, {t.tokens_in + t.tokens_out:,} tokens",
    )
    review = result.review
    table.add_row(
        "review", escape(review["unavailable"] or f"pushed {review['pushed']}, pulled {review['pulled']}")
    )
    table.add_row("train", result.model_id)
    table.add_row(
        "evaluate", ", ".join(f"{k} F1 {v:.3f}" for k, v in result.evaluation.items() if v is not None)
    )
    table.add_row("export", f"{result.export.get('shipped')} -> {result.export.get('bundle')}")
    if result.promotion is not None:
        verdict = "promoted" if result.promotion.get("allowed") else "not promoted"
        table.add_row("promote", escape(f"{verdict}: {'; '.join(result.promotion.get('reasons', []))}"))
    console.print(table)
