"""`distil status`: documents, labels, failures, the review queue, models, the teacher's recent
work and the next command, as rich tables (`--json`: the same data for scripts)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.engine import make_url

from corpus.errors import InputError
from corpus.guideline_files import load_guidelines
from flows.cli.common import ProjectOption, console, settings_or_exit
from flows.project import Project
from flows.status_report import project_status


def status(
    as_json: Annotated[bool, typer.Option("--json", help="the same data as JSON, for scripts")] = False,
    project: ProjectOption = None,
):
    """Where the project stands: documents by split and source, labels by state, failures by
    reason, the review queue by state and age, models with F1, the teacher's recent work, and
    the next command to run."""
    settings = settings_or_exit(project)
    with Project(settings) as opened:
        state = project_status(opened)
    state["store"] = make_url(settings.store_url).render_as_string(hide_password=True)
    try:
        guidelines = load_guidelines(settings.guidelines_ref)
        state["guidelines"] = {
            "name": guidelines.name,
            "version": guidelines.version,
            "labels": guidelines.label_names,
        }
    except (InputError, FileNotFoundError) as error:
        state["guidelines"] = {"error": str(error)}
    if as_json:
        print(json.dumps(state, indent=2, default=str))
        return
    for table in _tables(state):
        if table.row_count:
            console.print(table)
    _footer(state)


def _tables(state: dict) -> list[Table]:
    documents = _table("Documents", "split", "documents", "sources (most first)")
    for split, entry in state["documents"].items():
        sources = ", ".join(f"{escape(name)} ({n})" for name, n in list(entry["sources"].items())[:3])
        documents.add_row(split, str(entry["documents"]), sources)
    labels = _table("Annotations", "annotator (state)", "documents")
    for what, n in state["annotations"].items():
        labels.add_row(what, str(n))
    failures = _table("Failures by reason", "reason", "documents", "example document")
    for failure in state["failures"]:
        failures.add_row(escape(failure["reason"]), str(failure["documents"]), failure["example"][:12])
    review, agreement = _review_tables(state)
    models = _table("Models (newest first)", "id", "status", "validation F1", "dev F1", "format")
    for model in state["models"]:
        models.add_row(
            model["id"],
            model["status"],
            _f1(model["validation_f1"]),
            _f1(model["dev_f1"]),
            model["format"] or "-",
        )
    work = _table("Teacher work (last days)", "day", "documents", "calls", "tokens", "cost", "wall")
    for day in state["teacher_days"]:
        wall = f"{day['wall_minutes']:.1f} min" if day["wall_minutes"] is not None else "-"
        work.add_row(
            day["day"],
            str(day["documents"]),
            str(day["calls"]),
            str(day["tokens"]),
            f"${day['cost_usd']:.4f}",
            wall,
        )
    return [documents, labels, failures, review, agreement, models, _runs_table(state), work]


def _runs_table(state: dict) -> Table:
    runs = _table(
        "Recent runs", "flow", "started (UTC)", "wall", "status", "documents", "calls", "tokens", "cost"
    )
    for run in state.get("runs", []):
        status = run["status"] + (f": {escape(run['error'][:80])}" if run["error"] else "")
        runs.add_row(
            run["flow"],
            run["started"],
            f"{run['wall_minutes']:.1f} min",
            status,
            str(run["documents"]),
            str(run["calls"]),
            str(run["tokens"]),
            f"${run['cost_usd']:.4f}",
        )
    return runs


def _review_tables(state: dict) -> tuple[Table, Table]:
    review = _table("Review queue", "state", "documents", "oldest")
    for name, entry in state["review"].items():
        review.add_row(name, str(entry["documents"]), f"{entry['oldest_hours']:.1f} h")
    agreement = _table("Agreement between annotators", "label", "F1")
    for label, f1 in state.get("agreement", {}).items():
        agreement.add_row(label, _f1(f1))
    return review, agreement


TEXT_COLUMNS = {
    "split",
    "sources (most first)",
    "annotator (state)",
    "reason",
    "example document",
    "state",
    "id",
    "status",
    "format",
    "day",
    "label",
    "flow",
    "started (UTC)",
}


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="left" if column in TEXT_COLUMNS else "right")
    return table


def _f1(value) -> str:
    return f"{value:.3f}" if isinstance(value, int | float) else "-"  # F1 as 0-1, 3 decimals, everywhere


def _footer(state: dict) -> None:
    if not state["documents"]:
        console.print("no documents yet")
    console.print(f"production: {state['production'] or 'none'}")
    console.print(f"store: {state['store']}")
    guide = state["guidelines"]
    if "error" in guide:
        console.print(f"[red]guidelines: {escape(guide['error'])}[/]")
    else:
        console.print(
            f"guidelines: {guide['name']} version {guide['version']} ({', '.join(guide['labels'])})"
        )
    console.print(f"next: {state['next']}", highlight=False)
