"""The benchmark teacher's finished calls, kept in the repository beside the results.

The 1.5B teacher labels about ten sentences a minute on 2 cores: a pool of 1,000 costs well over
an hour, and the store under ~/.cache does not outlive the machine. So each benchmark store's
finished calls are written to benchmarks/results/teacher_labels/<store>.jsonl (document id, the
call's key parts, the model's samples and the annotation the run made of them; no text, no gold)
and read back into a new store before the teacher is asked. A call is taken only under the same
key (model, guidelines version, prompt version, sampling): what the settings would change is
asked again. Each line names the CPU that answered, since llama.cpp's numbers differ by CPU.

python -m benchmarks.teacher_label_files   writes the files of every store under the cache now
(a long labelling run can be saved while it goes on).
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from benchmarks.reviewed_student import CACHE
from corpus.model import Annotation, AnnotationStatus, Span
from corpus.store import Store
from corpus.tables import TeacherCallRow
from export.latency import cpu_name
from teacher.ledger import CallKey, CallStatus, Claim
from teacher.plan import CallPlan

LABELS = Path(__file__).resolve().parent / "results" / "teacher_labels"
KEY_PARTS = ("model", "guidelines_version", "prompt_version", "sampling")


def file_of(store_path: Path) -> Path:
    return LABELS / f"{store_path.stem}.jsonl"


def save(store: Store, path: Path) -> int:
    """Every finished call in `store`, one line per document in id order; lines already in the file
    for calls this store lacks are kept (their CPU with them). Returns the lines written."""
    kept = {call_key(line).key: line for line in _read(path)}
    with store.transaction() as session:
        finished = select(TeacherCallRow).where(TeacherCallRow.status == CallStatus.DONE)
        done = [_call(row) for row in session.execute(finished).scalars()]
    made = {(a.document_id, a.annotator.name, a.guidelines_version): a for a in store.annotations()}
    cpu = cpu_name()
    for call in done:
        annotation = made.get((call["document_id"], call["model"], call["guidelines_version"]))
        settings = ("sampling", "prompt_version")
        if annotation is None or any(annotation.metadata.get(part) != call[part] for part in settings):
            continue  # the document's annotation came from a call under other settings
        key = call_key(call).key
        if key not in kept:
            kept[key] = _line(call, annotation, cpu)
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(kept.values(), key=lambda line: (line["document_id"], *(line[p] for p in KEY_PARTS)))
    path.write_text("".join(json.dumps(line, sort_keys=True) + "\n" for line in ordered), encoding="utf-8")
    return len(ordered)


def restore(plan: CallPlan, documents, path: Path) -> int:
    """Finish, from the file, the calls `plan` would make for `documents`. Returns how many."""
    wanted = {call.key: call for call in map(plan.key, documents)}
    restored = 0
    for line in _read(path):
        call = wanted.get(call_key(line).key)
        if call is None or plan.ledger.claim(call) is not Claim.MINE:
            continue  # other settings or documents, or done already
        made = _annotation(line, plan)
        plan.ledger.finish(
            call, line["result"], made.tokens_in, made.tokens_out, line["calls"], made.cost_usd, made
        )
        restored += 1
    return restored


def _call(row: TeacherCallRow) -> dict:
    """The row's parts that travel, read while its session is open."""
    parts = ("document_id", *KEY_PARTS, "result", "calls")
    return {part: getattr(row, part) for part in parts}


def _line(call: dict, made: Annotation, cpu: str) -> dict:
    return {
        **call,
        "spans": [[s.start, s.end, s.label, s.score] for s in made.spans],
        "confidence": made.confidence,
        "tokens": [made.tokens_in, made.tokens_out],
        "cost_usd": made.cost_usd,
        "metadata": made.metadata,
        "cpu": cpu,
    }


def _annotation(line: dict, plan: CallPlan) -> Annotation:
    return Annotation(
        line["document_id"],
        plan.annotator,
        [Span(start, end, label, score) for start, end, label, score in line["spans"]],
        guidelines_version=line["guidelines_version"],
        confidence=line["confidence"],
        status=AnnotationStatus.OK,
        tokens_in=line["tokens"][0],
        tokens_out=line["tokens"][1],
        cost_usd=line["cost_usd"],
        metadata=line["metadata"],
    )


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    lines = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            lines.append(json.loads(text)) if text.strip() else None
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not a JSON line ({error.msg})") from None
    return lines


def call_key(line: dict) -> CallKey:
    """Computed from the line's parts, never read from it: an edited line cannot pass for another call."""
    return CallKey(*(line[part] for part in KEY_PARTS), line["document_id"])


def main() -> None:
    for store_path in sorted(CACHE.glob("review-budget-*.db")):
        with Store(f"sqlite:///{store_path}") as store:
            print(f"{file_of(store_path).name}: {save(store, file_of(store_path))} calls", flush=True)


if __name__ == "__main__":
    main()
