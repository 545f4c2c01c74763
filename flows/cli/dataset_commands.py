"""`distil dataset export`: the project's labelled corpus out in the field's formats."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from flows.cli.common import ProjectOption, console, fail, settings_or_exit

dataset_app = typer.Typer(
    help="The labelled corpus out of the project, in the field's formats.", no_args_is_help=True
)


class DatasetFormat(StrEnum):
    hf = "hf"
    conll = "conll"
    gliner = "gliner"
    jsonl = "jsonl"
    label_studio = "label-studio"
    spacy = "spacy"


class LabelSource(StrEnum):
    reviewed = "reviewed"
    gold = "gold"
    teacher = "teacher"


@dataset_app.command("export")
def dataset_export(
    out: Annotated[Path, typer.Argument(help="the folder to write (replaced if it exists)")],
    file_format: Annotated[DatasetFormat, typer.Option("--format", help="what to write")] = DatasetFormat.hf,
    source: Annotated[
        list[LabelSource] | None,
        typer.Option(help="whose labels (repeatable; default: all three, people's first)"),
    ] = None,
    licence: Annotated[
        str, typer.Option("--license", metavar="ID", help="the licence the card declares")
    ] = "unknown",
    push_to_hub: Annotated[
        str | None,
        typer.Option(
            metavar="USER/NAME", help="hf only: then publish it as this hub dataset (needs HF_TOKEN)"
        ),
    ] = None,
    project: ProjectOption = None,
):
    """Write train, validation and test with their labels and a dataset card: hf (a DatasetDict
    with character spans and tokens + BIO ner_tags), conll (BIO), gliner (training JSON),
    label-studio (tasks with their annotations), spacy (DocBin) or jsonl."""
    from flows.dataset_export import export_dataset, publish
    from flows.project import Project

    if push_to_hub and file_format is not DatasetFormat.hf:
        fail("--push-to-hub publishes the hf format: add --format hf")
    if push_to_hub and not os.environ.get("HF_TOKEN"):
        fail("--push-to-hub needs a Hugging Face token with write access in HF_TOKEN")

    chosen = tuple(s.value for s in source) if source else tuple(s.value for s in LabelSource)
    with Project(settings_or_exit(project)) as opened:
        try:
            counts = export_dataset(opened, out, file_format.value, chosen, licence)
        except ValueError as error:
            fail(str(error))
    splits = ", ".join(f"{name} {n}" for name, n in counts.items())
    console.print(f"wrote {file_format.value} to {out}: {splits} documents (card: {out / 'README.md'})")
    if push_to_hub:
        import httpx

        try:
            url = publish(out, push_to_hub, os.environ["HF_TOKEN"])
        except (OSError, httpx.HTTPError) as error:  # refused, offline, or the hub said no
            why = f"{type(error).__name__}: {error}"
            fail(f"could not publish to the hub ({why}); {out} is written, run again", code=1)
        console.print(f"published to {url}")
