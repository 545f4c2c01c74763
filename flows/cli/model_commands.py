"""`distil export` and `distil models ...`: ONNX bundles, the registry, promotion and rollback."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from flows.cli.common import ProjectOption, console, fail, settings_or_exit
from flows.project import Project
from flows.settings import with_overrides

models_app = typer.Typer(help="The model registry: list, show, promote, roll back.", no_args_is_help=True)


def export(
    model: Annotated[
        str | None, typer.Argument(help="a registered model id or a student folder (default: the latest)")
    ] = None,
    budget: Annotated[
        float | None,
        typer.Option(
            min=0, metavar="POINTS", help="F1 points INT8 may lose against FP32 ONNX ([export] f1_budget)"
        ),
    ] = None,
    project: ProjectOption = None,
):
    """Export a student to ONNX, quantize to INT8 behind the accuracy gate, write its bundle."""
    from export.registry import RegistryError
    from flows.export_step import export_model
    from flows.student_step import latest_student

    settings = settings_or_exit(project)
    settings.export = with_overrides(settings.export, f1_budget=budget)
    try:
        student_dir = _student_dir(settings, model) if model else latest_student(settings)
        if student_dir is None:
            fail("no trained student yet: run `distil train` first")
        with Project(settings) as opened:
            result = export_model(opened, student_dir, progress=console.print)
    except (ValueError, RegistryError, FileNotFoundError) as error:
        fail(str(error))
    table = Table(title=f"{result.model.id} on {result.held_out_documents} validation documents")
    for column in ("format", "strict F1", "size"):
        table.add_column(column)
    table.add_row("pytorch fp32", f"{result.pytorch_f1:.4f}", "-")
    for r in result.gate.results:
        shipped = " (shipped)" if r.format == result.gate.shipped else ""
        table.add_row(f"onnx {r.format}{shipped}", f"{r.f1:.4f}", f"{r.size_bytes / 1e6:.1f} MB")
    console.print(table)
    console.print(f"gate: {escape(result.gate.reason)}")
    console.print(f"bundle: {result.bundle}")
    console.print(f"promote it with: distil models promote {result.model.id}")


def _student_dir(settings, model: str) -> Path:
    from corpus.store import Store
    from export.registry import Registry

    path = Path(model)
    if path.is_dir():
        return path
    with Store(settings.store_url) as store:
        record = Registry(store, settings.project_dir).get(model)
    return Path(record.artifacts["student"])


@models_app.command("list")
def models_list(project: ProjectOption = None):
    """Every registered student, newest last."""
    from corpus.store import Store
    from export.registry import Registry

    settings = settings_or_exit(project)
    with Store(settings.store_url) as store:
        records = Registry(store, settings.project_dir).list()
    table = Table(title="models")
    table.add_column("id", no_wrap=True)
    for column in ("status", "base", "dev F1", "validation F1", "format", "training set"):
        table.add_column(column)
    for r in records:
        validation = r.metrics.get("validation_f1")
        table.add_row(
            r.id,
            r.status,
            r.base,
            f"{r.metrics.get('dev_f1', 0):.3f}",
            f"{validation:.3f}" if validation is not None else "not exported",
            r.artifacts.get("format", "-"),
            r.training_set_hash,
        )
    console.print(table)


@models_app.command("show")
def models_show(
    model: Annotated[str, typer.Argument(help="model id (a unique prefix is enough)")],
    project: ProjectOption = None,
):
    """One model: provenance, metrics, artifacts and its history (who did what, and why)."""
    from corpus.store import Store
    from export.registry import Registry, RegistryError

    settings = settings_or_exit(project)
    with Store(settings.store_url) as store:
        try:
            r = Registry(store, settings.project_dir).get(model)
        except RegistryError as error:
            fail(str(error))
    console.print(f"[bold]{r.id}[/] ({r.status})")
    console.print(f"base {r.base}; training set {r.training_set_hash}; guidelines {r.guidelines_version}")
    own = "".join(f", {label} at {t}" for label, t in sorted(r.label_thresholds.items()))
    console.print(f"labels {', '.join(r.labels)} at threshold {r.threshold}{own}")
    for key, value in {**r.metrics, **r.artifacts}.items():
        console.print(f"  {key}: {escape(str(value))}")
    table = Table(title="history")
    for column in ("when", "what", "who", "why"):
        table.add_column(column)
    for e in r.events:
        table.add_row(e["at"].strftime("%Y-%m-%d %H:%M:%S"), e["action"], e["actor"], escape(e["reason"]))
    console.print(table)


@models_app.command("promote")
def models_promote(
    model: Annotated[str, typer.Argument(help="model id (a unique prefix is enough)")],
    force: Annotated[bool, typer.Option(help="promote even if the gate refuses (needs --reason)")] = False,
    reason: Annotated[str, typer.Option(metavar="TEXT", help="why (recorded with your user name)")] = "",
    margin: Annotated[
        float | None,
        typer.Option(
            min=0, metavar="POINTS", help="F1 points to beat production by ([export] promotion_margin)"
        ),
    ] = None,
    project: ProjectOption = None,
):
    """Promote a candidate if it beats production on today's validation set and passed the INT8 gate."""
    from export.registry import RegistryError
    from flows.export_step import production_path, promote

    settings = settings_or_exit(project)
    if margin is not None:
        settings.export = with_overrides(settings.export, promotion_margin=margin)
    try:
        with Project(settings) as opened:
            decision = promote(opened, model, force=force, reason=reason)
    except (ValueError, RegistryError) as error:
        fail(str(error))
    if decision.production_f1 is not None:
        low, high = decision.delta_interval
        console.print(
            f"candidate F1 {decision.candidate_f1:.4f} vs production {decision.production_f1:.4f} on "
            f"{decision.documents} documents: {decision.delta_points:+.2f} points "
            f"(95% interval {low:+.2f} to {high:+.2f})"
        )
    for line in decision.reasons:
        console.print(f"- {escape(line)}")
    if decision.allowed or force:
        console.print(
            f"[green]promoted[/]{' (forced)' if not decision.allowed else ''}: "
            f"{production_path(settings)} -> {model}"
        )
    else:
        fail("promotion refused (use --force --reason '...' to override; it is recorded)", code=1)


@models_app.command("rollback")
def models_rollback(
    reason: Annotated[str, typer.Option(metavar="TEXT", help="why (recorded with your user name)")] = "",
    project: ProjectOption = None,
):
    """Put the previous production model back."""
    from export.registry import RegistryError
    from flows.export_step import production_path, rollback

    settings = settings_or_exit(project)
    try:
        with Project(settings) as opened:
            demoted, restored = rollback(opened, reason=reason)
    except RegistryError as error:
        fail(str(error))
    console.print(
        f"rolled back: {demoted.id} archived, {restored.id} in production at {production_path(settings)}"
    )
