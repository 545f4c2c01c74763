"""`distil-serve BUNDLE`: the HTTP API over a bundle folder or a production link.

distil-serve my-project/.distil/models/production --port 8000
curl -s localhost:8000/v1/extract -d '{"texts": ["Ada Lovelace was born in London."]}'
"""

from __future__ import annotations

import argparse
import logging
import sys

from distil_runtime.bundle import BundleError, BundleFiles
from distil_runtime.serve.requests import Limits


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="distil-serve",
        description="Serve a distil bundle over HTTP: POST /v1/extract, GET /v1/model, /health, /metrics.",
        epilog="example: distil-serve my-project/.distil/models/production --host 0.0.0.0 --port 8000",
    )
    p.add_argument("bundle", help="a bundle folder, or a production link (followed again when it moves)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument(
        "--threads", type=_positive, default=None, help="ONNX Runtime threads (default: all cores)"
    )
    p.add_argument("--max-batch", type=_positive, default=32, help="texts per forward batch (default: 32)")
    p.add_argument(
        "--max-wait-ms",
        type=float,
        default=0.0,
        help="how long a request waits for others to share its batch (default: 0, greedy: a batch is "
        "what queued while the model was busy)",
    )
    p.add_argument("--no-batching", action="store_true", help="run each request alone")
    p.add_argument(
        "--max-queued", type=_positive, default=256, help="texts waiting before 503 (default: 256)"
    )
    p.add_argument(
        "--max-texts", type=_positive, default=64, help="texts per request before 413 (default: 64)"
    )
    p.add_argument("--max-chars", type=_positive, default=20_000, help="characters per text before 413")
    p.add_argument(
        "--wait", action="store_true", help="start before the bundle exists (health is 503 until it does)"
    )
    p.add_argument("--poll", type=float, default=2.0, help="seconds between checks of a production link")
    return p


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive integer")
    return number


def options_from(args: argparse.Namespace):
    from distil_runtime.serve.app import ServeOptions

    return ServeOptions(
        limits=Limits(args.max_texts, args.max_chars),
        max_batch=args.max_batch,
        max_wait=args.max_wait_ms / 1000,
        max_queued=args.max_queued,
        share=not args.no_batching,
        poll=args.poll,
        threads=args.threads,
    )


def serve(bundle: str, host: str, port: int, options, wait: bool = False) -> None:
    """Check the bundle, then run until SIGINT or SIGTERM (requests in flight are finished)."""
    import uvicorn

    from distil_runtime.serve.app import create_app

    # a wrong path is one line now, not a 503 forever (unless waiting for a first promotion)
    model_id = "no model yet" if wait else BundleFiles.open(bundle).model_id
    logging.basicConfig(level=logging.INFO, format="distil-serve: %(message)s")
    print(f"distil-serve: {model_id} on http://{host}:{port} (from {bundle})", flush=True)
    uvicorn.run(create_app(bundle, options), host=host, port=port, log_level="warning", access_log=False)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        serve(args.bundle, args.host, args.port, options_from(args), args.wait)
    except BundleError as error:
        print(f"distil-serve: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
