"""`distil serve`: the project's production model over HTTP, through distil_runtime's server
(the same one `distil-serve` runs in a slim image without distil)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli.common import ProjectOption, fail, settings_or_exit


def serve(
    bundle: Annotated[
        Path | None,
        typer.Argument(help="a bundle folder (default: the project's production link, followed as it moves)"),
    ] = None,
    host: Annotated[str, typer.Option(metavar="HOST", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, metavar="PORT", help="port")] = 8000,
    threads: Annotated[
        int | None, typer.Option(min=1, metavar="N", help="ONNX Runtime threads (default: all cores)")
    ] = None,
    max_batch: Annotated[int, typer.Option(min=1, max=512, metavar="N", help="texts per forward batch")] = 32,
    no_batching: Annotated[bool, typer.Option("--no-batching", help="run each request alone")] = False,
    project: ProjectOption = None,
):
    """Serve a model over HTTP: POST /v1/extract, GET /v1/model, /health, /metrics.

    Example: distil serve -p my-project --port 8000, then
    curl -s localhost:8000/v1/extract -d '{"texts": ["Ada Lovelace was born in London."]}'
    """
    from distil_runtime.bundle import BundleError
    from distil_runtime.serve.cli import options_from, parser
    from distil_runtime.serve.cli import serve as run_server

    if bundle is None:
        from flows.export_step import production_path

        bundle = production_path(settings_or_exit(project))
        if not bundle.exists():
            fail(f"no model in production at {bundle}: run `distil models promote <id>` first")
    argv = [str(bundle), "--max-batch", str(max_batch)] + (["--threads", str(threads)] if threads else [])
    args = parser().parse_args(argv + (["--no-batching"] if no_batching else []))
    try:
        run_server(str(bundle), host, port, options_from(args))
    except BundleError as error:
        fail(str(error))
