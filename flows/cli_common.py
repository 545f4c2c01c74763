"""What every `distil` command shares: consoles, the project option, settings, failure."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from flows.settings import ConfigError, Settings, load_settings

console = Console(soft_wrap=True)  # paths and reasons stay on one line, greppable
errors = Console(stderr=True, soft_wrap=True)

ProjectOption = Annotated[
    Path | None, typer.Option("--project", "-p", help="project folder (default: current folder)")
]


def settings_or_exit(project: Path | None) -> Settings:
    try:
        return load_settings(project)
    except ConfigError as error:
        fail(str(error))


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
