"""Teacher techniques, each alone and combined: precision, recall, strict F1, invalid-span rate,
tokens and seconds per document, per local model and corpus.

The evaluation documents are the first N of each corpus, held out (validation split): they never
reach a prompt. Few-shot retrieval draws on the guidelines' examples and on `--reviewed`
documents from the END of the corpus, whose gold labels stand in for human review (the oracle
reviewer): disjoint from the evaluation documents.

Every measured row is kept in benchmarks/results/teacher_techniques.json, so the table can be
built over several invocations (one model or corpus at a time) and a re-run only measures what
is missing (--again re-measures).

python -m benchmarks.teacher_techniques [--models qwen2.5-coder-0.5b ...] [--corpora wikigold ...]
    [--techniques baseline constrain ...] [--documents 60] [--reviewed 200]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.report import table, write_section
from benchmarks.teacher_quality import CORPORA, measure
from teacher.config import TeacherConfig
from teacher.local_server import local_alias, local_teacher

RESULTS = Path(__file__).resolve().parent / "results" / "teacher_techniques.json"
TECHNIQUES: dict[str, dict] = {
    "baseline (full guidelines)": {},
    "brief guidelines": {"guidelines_style": "brief"},
    "few-shot (3 retrieved)": {"few_shot": 3},
    "constrained decoding": {"constrain": True},
    "verification": {"verify": True},
    "one question per label": {"per_label": True},
    "few-shot + constrained": {"few_shot": 3, "constrain": True},
    "few-shot + constrained + verification": {"few_shot": 3, "constrain": True, "verify": True},
}
SHORT = {name.split(" (")[0].split(" ")[0]: name for name in TECHNIQUES}  # "baseline", "few-shot", ...
HEADERS = ["model", "corpus", "technique", "docs", "P", "R", "F1", "invalid spans", "tokens/doc", "s/doc"]


def load() -> dict:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {}


def save(results: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")


def report(results: dict, documents: int, reviewed: int) -> None:
    rows = []
    ordered = sorted(results.values(), key=lambda r: (r["model"], r["corpus"], r["order"]))
    for r in ordered:
        rows.append([r["model"], r["corpus"], r["technique"], *r["row"][3:10]])
    body = f"""Each technique is a switch in `[teacher]` (see the README). The first {documents} documents of
each corpus are scored (strict span F1 against the human labels; labels the guidelines do not define
are left out); they are held out, so they never enter a prompt. Few-shot examples come from the
guidelines and from {reviewed} documents at the end of the corpus whose gold labels stand in for
human review. One sample per document, temperature 0, local llama.cpp on 2 CPU cores, one request at
a time. Tokens are prompt + output over all calls of a document (verification and one question per
label make more calls); the server reuses the cached guidelines prefix, which is why seconds grow
less than tokens.

{table(HEADERS, rows)}
"""
    write_section("teacher-techniques", "Teacher techniques", "python -m benchmarks.teacher_techniques", body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", nargs="+", default=["qwen2.5-coder-0.5b"])
    parser.add_argument("--corpora", nargs="+", default=list(CORPORA), choices=list(CORPORA))
    parser.add_argument("--techniques", nargs="+", default=list(SHORT), help=f"any of {sorted(SHORT)}")
    parser.add_argument("--documents", type=int, default=60)
    parser.add_argument("--reviewed", type=int, default=200)
    parser.add_argument("--again", action="store_true", help="re-measure rows already in the results")
    args = parser.parse_args()
    chosen = [SHORT.get(t, t) for t in args.techniques]
    results = load()
    for model in args.models:
        todo = [
            (corpus, technique)
            for corpus in args.corpora
            for technique in chosen
            if args.again or f"{local_alias(model)}|{corpus}|{technique}" not in results
        ]
        if not todo:
            continue
        with local_teacher(model) as (url, alias):
            for corpus, technique in todo:
                read, guidelines_name = CORPORA[corpus]
                everything = list(read())
                items, reviewed = everything[: args.documents], everything[-args.reviewed :]
                config = TeacherConfig(**TECHNIQUES[technique])
                row = measure(url, alias, items, guidelines_name, config, reviewed)
                order = list(TECHNIQUES).index(technique)
                results[f"{alias}|{corpus}|{technique}"] = dict(
                    model=alias, corpus=corpus, technique=technique, order=order, row=row
                )
                save(results)  # each row as soon as it is measured: a long run can stop any time
                report(results, args.documents, args.reviewed)
                print(corpus, technique, row, flush=True)
    report(results, args.documents, args.reviewed)


if __name__ == "__main__":
    main()
