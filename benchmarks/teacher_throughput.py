"""Teacher throughput and distil's overhead over the raw endpoint.

For each concurrency level, the same documents go (a) straight to the endpoint
with the same prompts and the same structured-output request, through the
plain `openai` client, and (b) through distil's teacher (claims, localization,
confidence, store writes). Overhead = (b - a) / a. Against the local llama.cpp
server (one request at a time) and against the scripted fast endpoint, which
answers instantly and so shows distil's own cost per document. Against the local server both
ways of asking are measured: tool calls (what a remote endpoint gets) and the schema's grammar
(what the embedded teacher uses by default).

    python -m benchmarks.teacher_throughput [--documents 16] [--model qwen2.5-coder-0.5b] [--again]

Rows are kept in benchmarks/results/teacher_throughput.json; a run measures only what is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import openai

from benchmarks.report import SHARED, load_results, save_results, table, write_section
from corpus.conll import read_conll
from corpus.guideline_files import load_guidelines
from corpus.store import Store
from teacher.annotate import TeacherRun
from teacher.config import TeacherConfig
from teacher.endpoint import OpenAIEndpoint, grammar_format, instructor_mode
from teacher.local_server import local_teacher
from teacher.prompt import messages, system_prompt
from teacher.schema import entities_model

RESULTS = Path(__file__).resolve().parent / "results" / "teacher_throughput.json"
HEADERS = ["concurrency", "documents", "raw docs/s", "distil docs/s", "overhead", "ms/doc added", "measured"]
LEVELS = (1, 4, 16)


def documents(n: int):
    items = read_conll(SHARED / "wikigold" / "wikigold.conll.txt")
    return [item.document for _, item in zip(range(n), items, strict=False)]


async def raw(url: str, model: str, docs, concurrency: int, mode: str, logprobs: bool) -> float:
    """The endpoint alone, sent exactly the request distil sends: instructor prepares the
    same request from the same response model (the grammar replaces its response_format, as
    distil's endpoint does); nothing is parsed or stored."""
    from instructor.v2.core.response import handle_response_model

    guidelines = load_guidelines("general")
    system = system_prompt(guidelines)
    response_model = entities_model(guidelines.label_names)
    client = openai.AsyncOpenAI(base_url=url, api_key="x", max_retries=0, timeout=300)
    queue = iter(docs)

    async def worker():
        for doc in queue:
            _, request = handle_response_model(
                response_model,
                instructor_mode(mode),
                messages=messages(system, doc.text),
                model=model,
                temperature=0.0,
                max_tokens=1024,
                seed=0,
                **({"logprobs": True, "top_logprobs": 0} if logprobs else {}),
            )
            if mode == "grammar":
                request["response_format"] = grammar_format(response_model)
            await client.chat.completions.create(**request)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    await client.close()
    return time.perf_counter() - started


def pipeline(url: str, model: str, docs, concurrency: int, mode: str, logprobs: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp, Store(f"sqlite:///{tmp}/bench.db") as store:
        store.add_documents(docs)
        config = TeacherConfig(samples=1, concurrency=concurrency, few_shot=0)  # the raw call's very prompt
        endpoint = OpenAIEndpoint(url, model, mode=mode, timeout_s=300, logprobs=logprobs)
        run = TeacherRun(store, load_guidelines("general"), endpoint, config)

        async def timed() -> float:
            started = time.perf_counter()
            await run.run(docs)
            elapsed = time.perf_counter() - started
            await endpoint.close()
            return elapsed

        return asyncio.run(timed())


def row_key(endpoint: str, mode: str, concurrency: int, documents: int) -> str:
    return f"{endpoint}|{mode}|{concurrency}|{documents}"


def measure(url: str, model: str, docs, mode: str, endpoint: str, logprobs: bool, results: dict) -> None:
    """Measure the missing rows for one endpoint and mode, saving each as it is done."""
    todo = [c for c in LEVELS if row_key(endpoint, mode, c, len(docs)) not in results]
    if not todo:
        return
    # warm-up: the first call reads the whole guidelines prefix; later calls reuse it from the server's cache
    asyncio.run(raw(url, model, docs[:1], 1, mode, logprobs))
    for concurrency in todo:
        raw_s = asyncio.run(raw(url, model, docs, concurrency, mode, logprobs))
        distil_s = pipeline(url, model, docs, concurrency, mode, logprobs)
        overhead, added_ms = (distil_s - raw_s) / raw_s, (distil_s - raw_s) / len(docs) * 1000
        row = [concurrency, len(docs), f"{len(docs) / raw_s:.2f}", f"{len(docs) / distil_s:.2f}",
               f"{overhead:+.1%}", f"{added_ms:+.1f}", date.today().isoformat()]  # fmt: skip
        results[row_key(endpoint, mode, concurrency, len(docs))] = row
        save_results(RESULTS, results)
        print(endpoint, mode, row, flush=True)


def rows(results: dict, endpoint: str, mode: str, documents: int) -> list[list]:
    return [results[k] for c in LEVELS if (k := row_key(endpoint, mode, c, documents)) in results]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=16)
    parser.add_argument("--fast-documents", type=int, default=500)
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--again", action="store_true", help="re-measure rows already in the results")
    args = parser.parse_args()
    results = {} if args.again else load_results(RESULTS)

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from teacher.scripted_server import FakeOpenAI

    fake = FakeOpenAI(answers={"": [{"text": "the", "label": "MISC", "occurrence": 1}]})
    fast_url = fake.start()
    # logprobs as distil asks by default: from a remote endpoint (the fast one stands in), not locally
    measure(fast_url, "fast", documents(args.fast_documents), "tools", "fast", True, results)
    fake.stop()

    modes = ("tools", "grammar")
    if any(len(rows(results, args.model, mode, args.documents)) < len(LEVELS) for mode in modes):
        with local_teacher(args.model) as (url, alias):
            for mode in modes:
                measure(url, alias, documents(args.documents), mode, args.model, False, results)
    report(results, args)


def report(results: dict, args) -> None:
    tools, grammar = (rows(results, args.model, mode, args.documents) for mode in ("tools", "grammar"))
    body = f"""Documents: the first wikigold sentences. One sample per document (`samples=1`), so a
document is one call in both columns. "raw" sends distil's exact request (same prompt, same
structured-output request) with the plain `openai` client; "distil" is the whole teacher: claim in
the store, structured output through instructor, localization, confidence, one transaction per
document. Few-shot examples are off in both (`few_shot = 0`), so both send the same single prompt.

**Local llama.cpp server** (`{args.model}`, serves one request at a time, so concurrency adds
queueing, not throughput), asked through **tool calls** (what a remote endpoint gets):

{table(HEADERS, tools)}

The same server, answers decoded under the **schema's grammar** (what the embedded teacher uses
by default; llama.cpp's `response_format` with the schema):

{table(HEADERS, grammar)}

**Fast scripted endpoint** (answers at once, tool calls: what remains is distil's own cost per
document, SQLite store on local disk):

{table(HEADERS, rows(results, "fast", "tools", args.fast_documents))}

Goal: overhead <= 5% at saturation against a real server: met. Through tool calls the
difference is within run-to-run noise (a few percent either way at this sample size: the
negative rows are noise, not speed-ups). The fast endpoint bounds distil's own cost at about
6 ms per document (claim + result transactions on SQLite, parsing, localization), i.e. about
0.15% of a 4-second local call. Against the fast endpoint the relative overhead is large by
construction (the endpoint costs almost nothing); the absolute column is what matters there.

Under the grammar the overhead is within noise at every level (2026-11-24: +1.1%, -1.6%, +5.0%
at concurrency 1, 4, 16). The first grammar rows (2026-11-23) had distil slower at concurrency 1
in two runs (+13.9%, +18.7%); it did not reproduce. Checked: distil's request body is the raw
call's (both sent to the scripted server, the JSON compared key by key; only the API key header
differs), no re-asks (16 calls for 16 documents), and three alternating raw/distil pairs at
concurrency 1 in one process gave +1.5%, -2.7% and -9.6%: a pair's difference swings by about
10% on this 2-core machine, so single rows of 16 documents resolve nothing finer.
"""
    write_section("teacher-throughput", "Teacher throughput and overhead",
                  "python -m benchmarks.teacher_throughput", body)  # fmt: skip


if __name__ == "__main__":
    main()
