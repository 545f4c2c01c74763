"""The HTTP API: POST /v1/extract, GET /v1/model, GET /health, GET /metrics.

Every refusal is JSON `{"error": ...}` that says what was wrong and where (`texts[3]`):
400 for a body that is not UTF-8 JSON, 422 for a body of the wrong shape or unknown labels,
413 past the limits, 503 while loading or when the queue is full (with Retry-After).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from distil_runtime.serve.batcher import Batcher, Overloaded
from distil_runtime.serve.metrics import ServeMetrics
from distil_runtime.serve.requests import BadRequest, ExtractRequest, Limits
from distil_runtime.serve.slot import ModelSlot, load_warm, log


@dataclass(frozen=True)
class ServeOptions:
    limits: Limits = Limits()
    max_batch: int = 32
    max_wait: float = 0.0  # seconds a request waits for company; 0: greedy (BENCHMARKS.md, serving)
    max_queued: int = 256  # texts
    share: bool = True  # cross-request batching
    poll: float = 2.0  # seconds between checks of the production link
    threads: int | None = None


def create_app(path: Path | str, options: ServeOptions = ServeOptions()) -> Starlette:
    metrics = ServeMetrics()
    slot = ModelSlot(path, lambda target: load_warm(target, threads=options.threads))

    def run(texts, labels, threshold):
        model = slot.model  # taken once: a swap mid-batch leaves this batch on its model
        found = model.extract(texts, list(labels), threshold, batch_size=options.max_batch)
        return [(model.files.model_id, entities) for entities in found]  # the answer names its model

    batcher = Batcher(
        run,
        options.max_batch,
        options.max_wait,
        options.max_queued,
        options.share,
        on_batch=metrics.batch.observe,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app):
        loading = asyncio.create_task(_open(slot, metrics))
        batcher.start()
        watching = asyncio.create_task(_watch(slot, metrics, options.poll))
        yield
        for task in (loading, watching):
            task.cancel()
        await batcher.stop()

    async def extract(request: Request) -> Response:
        return await _extract(request, slot, batcher, metrics, options.limits)

    async def describe(request: Request) -> Response:
        if not slot.ready:
            return _error(503, "the model is still loading", retry=True)
        return JSONResponse(_metadata(slot.model))

    async def health(request: Request) -> Response:
        if slot.ready:
            return JSONResponse({"status": "ready", "model_id": slot.model.files.model_id})
        return JSONResponse({"status": "loading", "error": slot.last_error}, status_code=503)

    async def scrape(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app = Starlette(
        routes=[
            Route("/v1/extract", _counted(extract, "/v1/extract", metrics), methods=["POST"]),
            Route("/v1/model", _counted(describe, "/v1/model", metrics), methods=["GET"]),
            Route("/health", _counted(health, "/health", metrics), methods=["GET"]),
            Route("/metrics", scrape, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.slot, app.state.metrics, app.state.batcher = slot, metrics, batcher
    return app


async def _extract(
    request: Request, slot: ModelSlot, batcher: Batcher, metrics: ServeMetrics, limits: Limits
) -> Response:
    """Check the request, queue its texts, answer with the entities and the model that found them."""
    if not slot.ready:
        return _error(503, "the model is still loading", retry=True)
    model = slot.model
    try:
        body = await _body(request, limits)
        asked = ExtractRequest.parse(body, limits, model.labels)
        metrics.queued.set(batcher.queued + len(asked.texts))
        answers = await batcher.submit(asked.texts, asked.labels, asked.threshold)
    except BadRequest as error:
        return _error(error.status, str(error))
    except Overloaded as error:
        return _error(503, f"overloaded: {error}; retry shortly", retry=True)
    finally:
        metrics.queued.set(batcher.queued)
    metrics.texts.inc(len(asked.texts))
    model_id = answers[0][0] if answers else model.files.model_id
    return JSONResponse(
        {
            "model_id": model_id,
            "labels": list(asked.labels),
            **_thresholds(model, asked.threshold),
            "entities": [[e.as_dict() for e in found] for _, found in answers],
        }
    )


def _thresholds(model, asked: float | None) -> dict:
    """The thresholds an answer was found at: the one asked for, or the bundle's own."""
    if asked is not None:
        return {"threshold": asked, "label_thresholds": {}}
    return {"threshold": model.threshold, "label_thresholds": model.label_thresholds}


async def _open(slot: ModelSlot, metrics: ServeMetrics) -> None:
    try:
        await slot.open()
    except Exception as error:  # health says why; the watcher loads the bundle once it is there
        slot.last_error = str(error)
        log.error("no model loaded: %s", error)
        return
    metrics.serving(slot.model.files.model_id)


async def _watch(slot: ModelSlot, metrics: ServeMetrics, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        if await slot.refresh():
            metrics.swaps.inc()
            metrics.serving(slot.model.files.model_id)


async def _body(request: Request, limits: Limits) -> object:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise BadRequest(413, f"body of {declared} bytes is over the limit of {limits.max_body_bytes}")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limits.max_body_bytes:
            raise BadRequest(413, f"body is over the limit of {limits.max_body_bytes} bytes")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise BadRequest(400, f"body is not UTF-8 (byte {error.start})") from error
    except json.JSONDecodeError as error:
        raise BadRequest(
            400, f"body is not JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from error


def _metadata(model) -> dict:
    meta, folder = model.files.meta, model.files.folder
    metrics_file = folder / "metrics.json"
    return {
        "model_id": model.files.model_id,
        "labels": list(model.labels),
        **_thresholds(model, None),
        "format": meta.get("format"),
        "base": meta.get("base"),
        "guidelines": meta.get("guidelines"),
        "max_words": model.max_words,
        "window_overlap": model.overlap,
        "metrics": json.loads(metrics_file.read_text(encoding="utf-8")) if metrics_file.is_file() else None,
    }


def _error(status: int, message: str, retry: bool = False) -> JSONResponse:
    headers = {"Retry-After": "1"} if retry else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _counted(endpoint, route: str, metrics: ServeMetrics):
    async def counted(request: Request) -> Response:
        started = time.perf_counter()
        response = await endpoint(request)
        metrics.latency.labels(route=route).observe(time.perf_counter() - started)
        metrics.requests.labels(route=route, status=str(response.status_code)).inc()
        return response

    return counted
