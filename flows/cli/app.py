"""The `distil` Typer app: one module per command group, assembled in the order `--help`
lists them (the pipeline's order)."""

from __future__ import annotations

from typing import Annotated

import typer

from flows.cli.corpus_commands import dump, guidelines_app, ingest, init
from flows.cli.dataset_commands import dataset_app
from flows.cli.doctor_command import doctor
from flows.cli.examples import add_examples
from flows.cli.model_commands import export, models_app
from flows.cli.review_commands import review_app
from flows.cli.run_commands import demo, distill
from flows.cli.serve_command import serve
from flows.cli.status_command import status
from flows.cli.student_commands import evaluate, report, train
from flows.cli.teacher_commands import annotate

app = typer.Typer(
    help="distil: turn a large language model into a small, fast NER model.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _print_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        print(f"distil {version('distil')} (distil-runtime {version('distil-runtime')})")
        raise typer.Exit()


@app.callback()
def _options(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="details on stderr too (they always go to the log file)")
    ] = False,
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="print distil's version and exit"
        ),
    ] = False,
):
    """distil: turn a large language model into a small, fast NER model. Every failure is one
    line; its details are in the log file that line names. Shell completion: distil
    --install-completion."""


for command in (
    init,
    ingest,
    status,
    dump,
    annotate,
    train,
    evaluate,
    report,
    export,
    serve,
    demo,
    distill,
    doctor,
):
    app.command()(command)
app.add_typer(guidelines_app, name="guidelines")
app.add_typer(review_app, name="review")
app.add_typer(models_app, name="models")
app.add_typer(dataset_app, name="dataset")
add_examples(app)
