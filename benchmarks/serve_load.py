"""Load on `distil-serve` over loopback: latency and throughput by concurrency, with and without
cross-request batching, and the requests served while production moves to another bundle.

Each client sends one wikigold sentence per request and sends the next as soon as the answer
comes (a closed loop), for a bounded time. Client and server share the machine's cores, as a
sidecar would. Needs the inference benchmark's work folder (its ONNX files):

python -m benchmarks.serve_load [--work DIR] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from benchmarks.inference_setup import FILES, LABELS, linked_folder, split_wikigold, student_dir
from benchmarks.report import table, write_section

CONCURRENCY = (1, 8, 32)
HEADERS = ["batching", "clients", "requests", "req/s", "p50 ms", "p99 ms", "failed", "texts per batch"]


def bundle(work: Path, fmt: str, threshold: float) -> Path:
    """A servable folder for one ONNX file of the benchmark's export (links, no copies)."""
    folder = linked_folder(work / "onnx", FILES[fmt], work / "serve" / fmt.replace(" ", "-").lower())
    meta = {"model_id": f"bench-{folder.name}", "labels": list(LABELS), "threshold": threshold, "format": fmt}
    (folder / "distil_bundle.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def point(link: Path, target: Path) -> None:
    """Move the link atomically, as `distil models promote` does."""
    fresh = link.with_name(link.name + ".new")
    fresh.unlink(missing_ok=True)
    fresh.symlink_to(target)
    os.replace(fresh, link)


MODES = {  # batching mode -> distil-serve options
    "greedy (wait 0 ms)": ["--max-wait-ms", "0"],
    "wait up to 5 ms": ["--max-wait-ms", "5"],
    "off": ["--no-batching"],
}


class Server:
    def __init__(self, link: Path, options: list[str]):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [str(Path(sys.executable).with_name("distil-serve")), str(link), "--port", str(self.port)]
        command += ["--poll", "0.5", "--max-queued", "1024", *options]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("distil-serve did not become ready in 120 s")

    def batches(self) -> tuple[float, float]:
        """(texts, batches) run so far, from the server's Prometheus histogram."""
        text = httpx.get(f"{self.url}/metrics", timeout=5).text
        values = {}
        for line in text.splitlines():
            for suffix in ("_sum", "_count"):
                if line.startswith("distil_serve_batch_texts" + suffix):
                    values[suffix] = float(line.split()[-1])
        return values.get("_sum", 0.0), values.get("_count", 0.0)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


async def load(url: str, texts: list[str], clients: int, seconds: float) -> dict:
    """Closed-loop clients for `seconds`: latencies (ms) of answered requests, failures, model ids."""
    latencies, failed, models = [], 0, {}
    stop = time.monotonic() + seconds

    async def client(index: int, http: httpx.AsyncClient) -> None:
        nonlocal failed
        position = index
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                answer = await http.post("/v1/extract", json={"texts": [texts[position % len(texts)]]})
            except httpx.HTTPError:
                failed += 1
                continue
            if answer.status_code != 200:
                failed += 1
                continue
            latencies.append((time.perf_counter() - start) * 1000)
            model = answer.json()["model_id"]
            models[model] = models.get(model, 0) + 1
            position += clients

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        started = time.monotonic()
        await asyncio.gather(*(client(i, http) for i in range(clients)))
        elapsed = time.monotonic() - started
    return {"latencies": latencies, "failed": failed, "models": models, "seconds": elapsed}


def measure(link: Path, texts: list[str], mode: str, seconds: float) -> list[dict]:
    server = Server(link, MODES[mode])
    rows = []
    try:
        for clients in CONCURRENCY:
            before = server.batches()
            result = asyncio.run(load(server.url, texts, clients, seconds))
            after = server.batches()
            rows.append(
                {
                    **_summary(result),
                    "clients": clients,
                    "batching": mode,
                    "per_batch": _ratio(before, after),
                }
            )
    finally:
        server.stop()
    return rows


def measure_swap(link: Path, other: Path, texts: list[str], seconds: float) -> dict:
    """Clients send throughout while the link moves to `other` halfway: every request must answer."""
    server = Server(link, MODES["greedy (wait 0 ms)"])

    async def swap_halfway() -> dict:
        running = asyncio.create_task(load(server.url, texts, 8, seconds))
        await asyncio.sleep(seconds / 2)
        point(link, other)
        return await running

    try:
        result = asyncio.run(swap_halfway())
    finally:
        server.stop()
    return {**_summary(result), "models": result["models"]}


def _summary(result: dict) -> dict:
    latencies = sorted(result["latencies"])
    return {
        "requests": len(latencies),
        "rps": len(latencies) / result["seconds"],
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "failed": result["failed"],
    }


def _ratio(before: tuple[float, float], after: tuple[float, float]) -> float:
    batches = after[1] - before[1]
    return (after[0] - before[0]) / batches if batches else 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render(rows: list[dict], swap: dict, fmt: str, seconds: float) -> str:
    lines = [
        [
            r["batching"],
            r["clients"],
            r["requests"],
            f"{r['rps']:.0f}",
            f"{r['p50']:.1f}",
            f"{r['p99']:.1f}",
            r["failed"],
            f"{r['per_batch']:.1f}",
        ]
        for r in rows
    ]
    served = ", ".join(f"{count} by {model}" for model, count in swap["models"].items())
    return f"""`distil-serve` on the inference benchmark's student ({fmt}, all cores), loopback, each
client a closed loop of one-sentence requests (wikigold) for {seconds:.0f} s per row; client and server
share the machine's 2 cores. "texts per batch": the mean size of the forward passes the server ran
(from its /metrics).

{table(HEADERS, lines)}

Greedy batching is distil-serve's default: a lone client pays nothing for it, and under load the
requests that queued while the model was busy share the next forward pass. Waiting for company
(the previous default, 5 ms) doubled a lone client's latency and bought no throughput. On a CPU
an INT8 sentence costs nearly the same alone or in a batch (see "Inference per engine and
format": 4.7 ms at b=1, 220 sentences/s at b=32), so batching adds little here; it matters on a
GPU. At 32 clients the load generator itself holds about one of the two cores.

**Swap under load**: 8 clients for {seconds:.0f} s, the production link moved to another bundle
halfway (as `distil models promote` does): {swap["requests"]} requests answered ({served}),
**{swap["failed"]} failed**, p99 {swap["p99"]:.1f} ms.
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=Path.home() / ".cache" / "distil" / "bench-inference")
    parser.add_argument("--format", default="INT8", choices=list(FILES))
    parser.add_argument("--seconds", type=float, default=15.0, help="per row (bounded load)")
    parser.add_argument("--model", type=Path, help="the student the inference benchmark measured")
    args = parser.parse_args()
    student = args.model or student_dir(args.work)
    threshold = json.loads((student / "distil_student.json").read_text())["threshold"]
    texts = [i.document.text for i in split_wikigold()[1]]
    served, other = bundle(args.work, args.format, threshold), bundle(args.work, "FP32", threshold)
    link = args.work / "serve" / "production"
    point(link, served)
    rows = [row for mode in MODES for row in measure(link, texts, mode, args.seconds)]
    point(link, served)
    swap = measure_swap(link, other, texts, args.seconds)
    shutil.rmtree(args.work / "serve", ignore_errors=True)
    body = render(rows, swap, args.format, args.seconds)
    write_section("serve-load", "Serving under load (distil-serve)", "python -m benchmarks.serve_load", body)
    print(body)


if __name__ == "__main__":
    main()
