"""What every `distil` command shares: consoles, the project option, settings, failure."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from flows.project import Project
from flows.settings import CONFIG_FILE, ConfigError, Settings, load_settings

console = Console(soft_wrap=True)  # paths and reasons stay on one line, greppable
errors = Console(stderr=True, soft_wrap=True)

ProjectOption = Annotated[
    Path | None,
    typer.Option("--project", "-p", metavar="FOLDER", help="project folder (default: current folder)"),
]


def settings_or_exit(project: Path | None) -> Settings:
    """The project's settings. Only `init` and `demo` make a project: any other command in a
    folder without distil.toml stops, rather than leave a .distil/ store behind in a typo."""
    folder = (project or Path(".")).expanduser()
    if not (folder / CONFIG_FILE).is_file():
        where = "this folder" if project is None else str(folder)
        fail(f"no distil project in {where} (no {CONFIG_FILE}): run `distil init {folder}` first, or pass -p")
    try:
        return load_settings(project)
    except ConfigError as error:
        fail(str(error))


def project_or_exit(project: Path | None) -> Project:
    """The project this command runs on; its store and guidelines open once, on first use."""
    return Project(settings_or_exit(project))


def bounds(model: type[BaseModel], name: str) -> dict:
    """typer's min/max for an option that sets config field `name`: the config's own bounds,
    so the command line and distil.toml refuse the same values."""
    limits: dict = {}
    for item in model.model_fields[name].metadata:
        for attribute, option, step in (
            ("ge", "min", 0),
            ("gt", "min", 1),
            ("le", "max", 0),
            ("lt", "max", -1),
        ):
            value = getattr(item, attribute, None)
            if value is not None:
                limits[option] = value + step if isinstance(value, int) else value
    return limits


def fail(message: str, code: int = 2) -> NoReturn:
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False)  # messages hold [offsets)
    raise typer.Exit(code)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
