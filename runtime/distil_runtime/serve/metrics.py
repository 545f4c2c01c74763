"""Prometheus metrics, on a registry per app (two servers in one process count apart)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ServeMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "distil_serve_requests",
            "HTTP requests by route and status",
            ["route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "distil_serve_request_seconds",
            "Time from request to answer, by route",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.texts = Counter("distil_serve_texts", "Texts extracted", registry=self.registry)
        self.batch = Histogram(
            "distil_serve_batch_texts",
            "Texts per forward batch (cross-request batching)",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128),
            registry=self.registry,
        )
        self.queued = Gauge(
            "distil_serve_queued_texts", "Texts waiting for the model", registry=self.registry
        )
        self.swaps = Counter(
            "distil_serve_model_swaps", "Bundles swapped in after start", registry=self.registry
        )
        self.model = Gauge(
            "distil_serve_model_info", "The bundle being served", ["model_id"], registry=self.registry
        )

    def serving(self, model_id: str) -> None:
        self.model.clear()
        self.model.labels(model_id=model_id).set(1)
