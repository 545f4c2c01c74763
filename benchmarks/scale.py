"""Annotation at scale: wall time, tokens and peak memory at 1K, 10K and 100K documents, and
what a second run over the same documents costs.

The real flows run (ingest_flow, then annotate_flow under Prefect, in batches of 1,000) in a
fresh process per size, against the scripted fast endpoint (`teacher/scripted_server.py`),
which answers at once: what is measured is distil's own cost (store, claims, structured
output, localization, Prefect tasks), not a model's. Documents are wikigold sentences, each
numbered so that all are distinct.

    python -m benchmarks.scale [--sizes 1000 10000 100000] [--again]

Rows are kept in benchmarks/results/scale.json; a run measures only the sizes not there yet.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks.report import SHARED, load_results, save_results, table, write_section

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "scale.json"
# few-shot off: rows stay comparable with those measured before it became the default
CONFIG = """[teacher]
base_url = "{url}"
model = "fast"
samples = 1
concurrency = 16
ensemble = "off"
few_shot = 0
"""
HEADERS = [
    *("documents", "ingest s", "annotate s", "ms/doc", "tokens", "failed"),
    *("2nd run s", "2nd run tokens", "2nd run cached", "peak MiB", "measured"),
]


def child(project: Path, batch_size: int) -> dict:
    """Runs in its own process, so its peak memory is this size's alone."""
    from flows import pipeline

    started = time.perf_counter()
    pipeline.ingest_flow(str(project), [str(project / "raw.txt")])
    ingest_s = time.perf_counter() - started
    runs = []
    for _ in range(2):
        started = time.perf_counter()
        summary = pipeline.annotate_flow(str(project), batch_size=batch_size)
        runs.append(
            {
                "seconds": time.perf_counter() - started,
                "annotated": summary.annotated,
                "cached": summary.cached,
                "failed": summary.failed,
                "tokens": summary.tokens_in + summary.tokens_out,
            }
        )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"ingest_s": ingest_s, "runs": runs, "peak_mib": peak_mib}


def texts(n: int) -> list[str]:
    from corpus.conll import read_conll

    sentences = [i.document.text for i in read_conll(SHARED / "wikigold" / "wikigold.conll.txt")]
    return [f"{sentences[i % len(sentences)]} ({i})" for i in range(n)]


def measure(size: int, url: str, batch_size: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "distil.toml").write_text(CONFIG.format(url=url), encoding="utf-8")
        (project / "raw.txt").write_text("\n".join(texts(size)) + "\n", encoding="utf-8")
        env = {**os.environ, "OPENAI_API_KEY": "not-needed"}
        command = [sys.executable, "-m", "benchmarks.scale", "--child", tmp, "--batch-size", str(batch_size)]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"size {size} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000, 100000])
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--again", action="store_true", help="re-measure sizes already in the results")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(Path(args.child), args.batch_size)))
        return

    sys.path.insert(0, str(ROOT))
    from teacher.scripted_server import FakeOpenAI

    results = load_results(RESULTS)
    todo = [size for size in args.sizes if args.again or str(size) not in results]
    fake = FakeOpenAI(answers={"": [{"text": "the", "label": "MISC", "occurrence": 1}]}, record=False)
    url = fake.start()
    try:
        for size in todo:
            m = measure(size, url, args.batch_size)
            first, second = m["runs"]
            results[str(size)] = [
                f"{size:,}", f"{m['ingest_s']:.1f}", f"{first['seconds']:.1f}",
                f"{first['seconds'] / size * 1000:.2f}", f"{first['tokens']:,}", first["failed"],
                f"{second['seconds']:.1f}", f"{second['tokens']:,}", f"{second['cached']:,}",
                f"{m['peak_mib']:.0f}", date.today().isoformat(),
            ]  # fmt: skip
            save_results(RESULTS, results)
            print(results[str(size)], flush=True)
    finally:
        fake.stop()
    report(results, args.batch_size)


def report(results: dict, batch_size: int) -> None:
    rows = [results[size] for size in sorted(results, key=int)]
    missing = ""
    if "100000" not in results:
        missing = (
            "\n\nThe 100,000-document row is not in this report yet: at these ms/doc it takes about"
            " 45 minutes on 2 cores (`--sizes 100000`)."
        )
    body = f"""**Endpoint: the scripted fast endpoint** (answers at once; every document gets one
entity), so the times are distil's own pipeline overhead; a real model adds its own seconds per
document on top (see "Teacher throughput"). The real flows: `ingest_flow`, then `annotate_flow`
twice (Prefect ephemeral API, batches of {batch_size:,}, 16 concurrent calls per batch,
one sample per document, few-shot examples off so that the rows compare with those measured
before they became the default: retrieval would add the embedder's cost per document), SQLite
store, one fresh process per size; peak MiB is that process's maximum resident memory.
Documents: wikigold sentences, numbered to be distinct.

{table(HEADERS, rows)}

Goals: cost linear in documents (ms/doc about constant), memory flat, a second run over the same
documents costs zero tokens.{missing}

{FINDINGS}
"""
    write_section("scale", "Scale", "python -m benchmarks.scale", body)


# written from the rows above; re-read them when a row is re-measured
FINDINGS = """Measured 2026-11-23/24 (all three rows after the fix below, same machine): time grows
linearly (21.2, 13.9 and 13.9 ms per document; the 1K row carries Prefect's fixed start-up),
a second run over the same documents costs zero tokens and seconds (the cache check: 10 s for
100K), and peak memory stays nearly flat: 270, 287 and 340 MiB for 1K, 10K and 100K documents.
What still grows (53 MiB for 90K more documents) is not profiled; of it, the flow keeps by design
the ids it fans out in batches (about 12 MB at 100K) and the run summary's confidences (3 MB).

The first 100K measurement (2026-11-23, before the fix) peaked at 643 MiB and took 21.9 ms per
document: the annotate flow loaded every document's text to list their ids, and its cache check
read every text and ledger row at once. It now passes ids, reads the store 1,000 documents at a
time (commits 6497804, d3b578e), and the same 100K run took 13.9 ms per document (why the old
code was also slower per document was not established). distil's own cost per document here
(14 ms) is about twice the 6 ms the teacher alone costs against the same endpoint ("Teacher
throughput"): the rest is Prefect task and store round-trips per batch; next to a real model's
seconds per document it is small."""


if __name__ == "__main__":
    main()
