"""`distil demo`: the whole pipeline on the demo's own small corpus, embedded defaults only.

Stages join this run as they land; today it sets up a project, ingests the
demo corpus and its human validation set, and reports what the store holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from corpus.ingest import ingest_labelled, ingest_raw
from corpus.model import Split
from corpus.store import Store
from flows.settings import CONFIG_FILE, STATE_DIR, config_template, load_settings

DEMO_DATA = Path(__file__).resolve().parent.parent / "demo"


@dataclass
class DemoSummary:
    project: Path
    store_url: str
    pool_documents: int
    validation_documents: int
    validation_entities: int


def run_demo(project: Path) -> DemoSummary:
    project.mkdir(parents=True, exist_ok=True)
    (project / STATE_DIR).mkdir(exist_ok=True)
    if not (project / CONFIG_FILE).exists():
        (project / CONFIG_FILE).write_text(config_template("general"), encoding="utf-8")
    settings = load_settings(project)
    with Store(settings.store_url) as store:
        ingest_labelled(
            store, DEMO_DATA / "validation.markup", Split.VALIDATION, annotator="gold:distil-demo"
        )
        ingest_raw(store, [DEMO_DATA / "corpus.txt"])
        counts = store.counts()
    return DemoSummary(
        project=project,
        store_url=settings.store_url,
        pool_documents=counts["documents"]["pool"],
        validation_documents=counts["documents"]["validation"],
        validation_entities=counts["spans"].get("human", 0),
    )
