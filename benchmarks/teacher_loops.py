"""Answers cut off at the output cap: what the re-ask with a frequency penalty recovers.

The documents are the wikigold sentences on which the 0.5B, run as "Review budgets" runs it
(temperature 0, one sample, no few-shot), wrote until max_output_tokens=1,024 in the pool-1000
run: 4 of 1,100. Each is annotated twice through distil's teacher on the local llama.cpp
server: with `teacher.loop_penalty = 0` (the document fails, as it did in that run and on every
re-run) and with the default re-ask. Reported per document: outcome, output tokens (both asks
when re-asked), seconds, spans kept; and strict span F1 of the recovered answers on those four.

    python -m benchmarks.teacher_loops [--model qwen2.5-coder-0.5b] [--documents ID ...]

Rows are kept in benchmarks/results/teacher_loops.json; a run measures only what is missing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.report import load_results, save_results, table, write_section
from benchmarks.teacher_quality import CORPORA, annotate_all
from corpus.guideline_files import load_guidelines
from corpus.metrics import score
from corpus.model import AnnotationStatus, Span
from corpus.store import Store
from teacher.config import TeacherConfig
from teacher.local_server import local_alias, local_teacher

RESULTS = Path(__file__).resolve().parent / "results" / "teacher_loops.json"
# the wikigold pool documents the 0.5B's answers were cut off on (BENCHMARKS.md "Review budgets")
LOOPED = [
    "94b9fd4d393b8ba185abd7ee81285a04a57108b47fb568f38c49486ec4750f8a",
    "697be0c888f5b70c027e18b653b295eeeb05a34429add148c93fc5f14a1fdc4b",
    "4e524249668537f9b0a4257c3baacc212c1471f505ddb7fbe7f5632a1dd1cf93",
    "ac9ad8346fc1ec288ec1a64242697e811905d4a394d7725feae2d830e3ffc273",
]
PENALTIES = (0.0, TeacherConfig().loop_penalty)


def measure(url: str, alias: str, item, guidelines, penalty: float) -> dict:
    config = TeacherConfig(samples=1, concurrency=1, few_shot=0, loop_penalty=penalty)
    with tempfile.TemporaryDirectory() as tmp, Store(f"sqlite:///{tmp}/loops.db") as store:
        store.add_documents([item.document])
        started = time.monotonic()
        annotate_all(store, guidelines, url, alias, config, [item.document])
        seconds = time.monotonic() - started
        (annotation,) = store.annotations(annotator=alias)
    ok = annotation.status is AnnotationStatus.OK
    return {
        "ok": ok,
        "error": annotation.error,
        "tokens_out": annotation.tokens_out,
        "seconds": round(seconds, 1),
        "spans": [[s.start, s.end, s.label] for s in annotation.spans] if ok else [],
    }


def render(model: str, items, rows: dict, labels) -> str:
    lines, gold, found = [], [], []
    for item in items:
        text = item.document.text
        for penalty in PENALTIES:
            row = rows[f"{model}|{item.document.id}|{penalty}"]
            kept = [f"{text[s:e]} ({label})" for s, e, label in row["spans"]]
            lines.append([
                f"{item.document.id[:8]} ({len(text)} chars)", penalty or "off",
                "answer" if row["ok"] else "failed: cut off", row["tokens_out"], row["seconds"],
                ", ".join(kept) or "none",
            ])  # fmt: skip
            if penalty and row["ok"]:
                gold.append([s for s in item.spans if s.label in labels])
                found.append([Span(*span) for span in row["spans"]])
    summary = f"The re-ask recovered {len(found)} of {len(items)} documents"
    if found:
        micro = score(gold, found, bootstrap=0).micro
        summary += (
            f"; against their {micro.tp + micro.fn} gold entities the recovered answers hold {micro.tp}"
            f" right, {micro.fp} wrong (strict F1 {micro.f1:.3f})"
        )
    return f"""Documents: the wikigold sentences on which `{model}` (temperature 0, one sample, no
few-shot, as "Review budgets" runs it) wrote until `max_output_tokens` = 1,024 in the pool-1000
run, 4 of 1,100. Each is annotated through distil's teacher on the local llama.cpp server with
`teacher.loop_penalty` off (what that run did) and at its default, which asks a cut-off answer
once more with that `frequency_penalty`. Tokens are output tokens, both asks counted.

{table(["document", "loop_penalty", "outcome", "tokens out", "s", "spans kept"], lines)}

{summary}. Tokens over 1,024 mean the first answer was cut off again and the re-ask answered.
Asked again the same way the model loops again: in the pool-1000 run's store each of these
documents failed on every one of its 4 or 5 attempts (re-runs), costing the cap each time.
The loops seen were the model labelling every word in turn, or writing one entity over and
over (the raw answers were read while this was built); `names_only` then trims what is not a
name. The re-ask turns a loop into a document with an answer, not into a good answer: its
confidence is left to the usual signals (samples, the student), which route it to review.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--documents", nargs="+", default=LOOPED, help="wikigold document ids")
    args = parser.parse_args()
    read, guidelines_name = CORPORA["wikigold"]
    by_id = {item.document.id: item for item in read()}
    missing = [d for d in args.documents if d not in by_id]
    if missing:
        parser.error(f"not wikigold document ids: {', '.join(missing)}")
    items = [by_id[d] for d in args.documents]
    guidelines = load_guidelines(guidelines_name)
    rows = load_results(RESULTS)
    model = local_alias(args.model)
    # every document without the re-ask first: asked twice in a row, the same prompt is evaluated
    # from llama.cpp's cached prefix, whose slightly different numbers can turn a loop's path
    todo = [(i, p) for p in PENALTIES for i in items if f"{model}|{i.document.id}|{p}" not in rows]
    if todo:
        with local_teacher(args.model) as (url, alias):
            for item, penalty in todo:
                rows[f"{model}|{item.document.id}|{penalty}"] = measure(url, alias, item, guidelines, penalty)
                save_results(RESULTS, rows)
                print(f"{item.document.id[:8]} loop_penalty={penalty}: done", flush=True)
    command = "python -m benchmarks.teacher_loops"
    command += f" --model {args.model}" if args.model != "qwen2.5-coder-0.5b" else ""
    command += f" --documents {' '.join(args.documents)}" if args.documents != LOOPED else ""
    body = render(model, items, rows, set(guidelines.label_names))
    write_section("teacher-loops", "Teacher answers cut off at the output cap", command, body)


if __name__ == "__main__":
    main()
