"""Scale-out: annotate throughput on a Dask cluster of 1, 2 and 4 worker processes, on
PostgreSQL, against the scripted endpoint with a fixed delay per call; and the store: SQLite
against PostgreSQL at 10K documents on the default thread runner with an endpoint that
answers at once.

Each row runs the real annotate flow in a fresh process, with a real `prefect server start`
(so Dask workers report to it instead of starting temporary servers) and a throwaway
PostgreSQL cluster (tests/services/). Calls per document come from the scripted server's own
count; "overhead ms/doc" is the wall time per document beyond what the endpoint's delay alone
costs at that parallelism: claims, store writes, Prefect tasks, Dask scheduling.

    python -m benchmarks.scale_out [--workers 1 2 4] [--documents 400] [--stores 10000] [--again]

Rows are kept in benchmarks/results/scale_out.json; a run measures only the rows not there yet.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from benchmarks.report import load_results, save_results, table, write_section

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "scale_out.json"
DELAY_S = 0.05  # per call, as a fast hosted endpoint answers
CONCURRENCY = 4  # teacher calls in flight per batch
BATCH = 50
CLUSTER_HEADERS = [
    *("Dask workers", "documents", "wall s", "docs/s", "calls/doc", "overhead ms/doc", "measured")
]
STORE_HEADERS = ["store", "documents", "annotate s", "ms/doc", "calls/doc", "measured"]


def texts(n: int) -> list[str]:
    return [f"Benchmark sentence {i} mentions Paris and the Acme Corporation." for i in range(n)]


def child(project: Path, workers: int, batch: int, ray: bool) -> dict:
    """One annotate run, in its own process (Dask or Ray workers are its children)."""
    from flows import pipeline

    flow, cluster = pipeline.annotate_flow, None
    if workers and ray:
        from prefect_ray import RayTaskRunner

        runner = RayTaskRunner(init_kwargs={"num_cpus": workers, "include_dashboard": False})
        flow = flow.with_options(task_runner=runner)
    elif workers:
        from distributed import LocalCluster
        from prefect_dask import DaskTaskRunner

        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None)
        flow = flow.with_options(task_runner=DaskTaskRunner(address=cluster.scheduler_address))
    started = time.perf_counter()
    summary = flow(str(project), batch_size=batch)
    seconds = time.perf_counter() - started
    if cluster:
        cluster.close()
    return {"seconds": seconds, "annotated": summary.annotated, "calls": summary.calls}


def run_child(project: Path, env: dict, workers: int, batch: int, ray: bool = False) -> dict:
    command = [sys.executable, "-m", "benchmarks.scale_out", "--child", str(project),
               "--child-workers", str(workers), "--batch", str(batch)]  # fmt: skip
    command += ["--child-ray"] if ray else []
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{workers} workers failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def project_with(folder: Path, url: str, database: str, documents: int, concurrency: int) -> Path:
    from corpus.model import Document
    from corpus.store import Store

    config = f'[teacher]\nbase_url = "{url}"\nmodel = "fast"\nsamples = 1\nfew_shot = 0\n'
    (folder / "distil.toml").write_text(config + f"concurrency = {concurrency}\n", encoding="utf-8")
    with Store(database) as store:
        store.add_documents([Document(t) for t in texts(documents)])
    return folder


def fresh_database(server: str, name: str) -> str:
    from sqlalchemy import create_engine, text

    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


def measure_cluster(workers: int, documents: int, fake, env: dict, postgres: str, ray: bool = False) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        database = fresh_database(postgres, f"{'ray' if ray else 'dask'}{workers}_{int(time.time())}")
        project = project_with(Path(tmp), fake.url, database, documents, CONCURRENCY)
        before = len(fake.requests)
        result = run_child(project, {**env, "DISTIL_DATABASE_URL": database}, workers, BATCH, ray)
    calls = len(fake.requests) - before
    per_document = Counter(r["text"] for r in fake.requests[before:])
    ideal = documents * DELAY_S / (max(workers, 1) * CONCURRENCY)
    overhead = (result["seconds"] - ideal) / documents * 1000
    assert result["annotated"] == documents and max(per_document.values()) == 1, "paid once each"
    seconds = result["seconds"]
    return [f"{workers} (Ray)" if ray else workers, f"{documents:,}", f"{seconds:.1f}",
            f"{documents / seconds:.1f}", f"{calls / documents:.2f}", f"{overhead:.1f}",
            date.today().isoformat()]  # fmt: skip


def measure_store(store: str, documents: int, url: str, env: dict, postgres: str) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = f"sqlite:///{tmp}/distil.db"
        database = sqlite if store == "SQLite" else fresh_database(postgres, f"s{int(time.time())}")
        project = project_with(Path(tmp), url, database, documents, 16)
        result = run_child(project, {**env, "DISTIL_DATABASE_URL": database}, 0, 1000)
    seconds = result["seconds"]
    return [store, f"{documents:,}", f"{seconds:.1f}", f"{seconds / documents * 1000:.2f}",
            f"{result['calls'] / documents:.2f}", date.today().isoformat()]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2, 4])
    parser.add_argument("--documents", type=int, default=400)
    parser.add_argument("--stores", type=int, default=10000, help="documents for SQLite vs PostgreSQL")
    parser.add_argument("--ray", nargs="*", type=int, default=[], help="also Ray (distil[ray]) with N CPUs")
    parser.add_argument("--again", action="store_true")
    parser.add_argument("--child-ray", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-workers", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=BATCH, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(Path(args.child), args.child_workers, args.batch, args.child_ray)))
        return
    from teacher.scripted_server import FakeOpenAI
    from tests.services.postgres import postgres_server
    from tests.services.prefect import prefect_server

    results = load_results(RESULTS)
    answer = {"": [{"text": "Paris", "label": "LOC", "occurrence": 1}]}
    slow, fast = FakeOpenAI(answers=answer, delay_s=DELAY_S), FakeOpenAI(answers=answer, record=False)
    slow.url, fast.url = slow.start(), fast.start()
    with postgres_server() as postgres, prefect_server() as (api_url, home):
        env = {**os.environ, "PREFECT_API_URL": api_url, "PREFECT_HOME": str(home)}
        for workers in args.workers:
            key = f"dask-{workers}-{args.documents}"
            if args.again or key not in results:
                results[key] = measure_cluster(workers, args.documents, slow, env, postgres)
                save_results(RESULTS, results)
                print(results[key], flush=True)
        for workers in args.ray:
            key = f"ray-{workers}-{args.documents}"
            if args.again or key not in results:
                results[key] = measure_cluster(workers, args.documents, slow, env, postgres, ray=True)
                save_results(RESULTS, results)
                print(results[key], flush=True)
        for store in ("SQLite", "PostgreSQL"):
            key = f"store-{store}-{args.stores}"
            if args.again or key not in results:
                results[key] = measure_store(store, args.stores, fast.url, env, postgres)
                save_results(RESULTS, results)
                print(results[key], flush=True)
    slow.stop()
    fast.stop()
    report(results)


def report(results: dict) -> None:
    cluster = [row for key, row in sorted(results.items()) if key.startswith(("dask-", "ray-"))]
    stores = [row for key, row in sorted(results.items()) if key.startswith("store-")]
    body = f"""The annotate flow on a Dask `LocalCluster` (`distil[dask]`, prefect-dask's
`DaskTaskRunner`), one thread per worker process, batches of {BATCH} documents with
{CONCURRENCY} calls in flight each, on PostgreSQL, reporting to a real Prefect server. The
endpoint is the scripted one with a fixed {DELAY_S * 1000:.0f} ms per call; calls/doc is the
endpoint's own count. Overhead ms/doc is wall time per document beyond the endpoint's delay at
that parallelism (workers x {CONCURRENCY} calls in flight).

{table(CLUSTER_HEADERS, cluster)}

Wall time includes the flow's start and the cluster's (worker processes importing distil and
torch: several seconds each), which at 400 documents dominates the overhead column; so do the
2 cores: with 4 worker processes, the flow, the Prefect server and PostgreSQL compete for them,
and 2 workers is where this machine peaks. Every document is paid for exactly once in every row
(calls/doc 1.00; the benchmark asserts it). Ray's row is RayTaskRunner starting a local Ray
with 2 CPUs (`distil[ray]`), measured once; CI tests Dask only.

**The store**: SQLite against PostgreSQL on the default thread runner, an endpoint that answers
at once (distil's own cost), 16 calls in flight per batch of 1,000.

{table(STORE_HEADERS, stores)}

Measured 2026-12-03: PostgreSQL (a local server, one round trip per claim and per finished
call) costs about 16% more per document than SQLite on one machine; it is what several workers
or hosts need, and the ledger's claims make them safe there. Both rows are about twice the
"Scale" section's 13.9 ms/doc at 10K: these runs report to a real Prefect server (task runs,
logs) instead of the ephemeral in-process API; not profiled further.
"""
    write_section("Scale-out", "Scale-out", "python -m benchmarks.scale_out --ray 2", body)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
