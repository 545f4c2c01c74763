"""The student that the ensemble technique asks for a second opinion, as a team would have it
after one round: trained on the human-reviewed documents (the oracle's gold labels for the
`--reviewed` documents at the END of the corpus, never the evaluation documents). Trained once
per corpus and kept in ~/.cache/distil/benchmarks, so re-runs reuse it."""

from __future__ import annotations

import os
from pathlib import Path

from corpus.model import Annotator, AnnotatorKind, Split
from corpus.store import Store
from export.registry import Registry
from flows.project import Project
from flows.second_opinion import StudentOpinion, current_student
from flows.settings import load_settings
from flows.student_step import train

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "distil" / "benchmarks"
STEPS = 300


def reviewed_documents(everything: list, count: int, held_out) -> list:
    """The last `count` documents of a corpus, standing in for a team's reviewed ones, less any
    that repeat a held-out document: a corpus can hold the same sentence twice (Presidio PII's
    synthetic sentences do), and the repeat's gold would reach what is scored."""
    held = {item.document.id for item in held_out}
    return [item for item in everything[-count:] if item.document.id not in held] if count else []


def reviewed_student(corpus: str, reviewed, guidelines_name: str) -> StudentOpinion:
    root = CACHE / f"student-{corpus}-{len(reviewed)}-{STEPS}"
    root.mkdir(parents=True, exist_ok=True)
    config = f'guidelines = "{guidelines_name}"\n[student]\nmax_steps = {STEPS}\neval_every = 50\n'
    (root / "distil.toml").write_text(config, encoding="utf-8")
    settings = load_settings(root)
    with Store(settings.store_url) as store:
        record = current_student(Registry(store, root))
        if record is None:
            store.add_labelled(reviewed, Split.POOL, Annotator(AnnotatorKind.HUMAN, "oracle-reviewer"))
    if record is None:
        print(f"training the ensemble's student on {len(reviewed)} reviewed {corpus} documents", flush=True)
        train(Project(settings), progress=lambda _: None)
        with Store(settings.store_url) as store:
            record = current_student(Registry(store, root))
    student = settings.student
    return StudentOpinion(record, student.max_words, student.window_overlap)
