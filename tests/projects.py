"""A distil project on disk whose store holds a wikigold slice with its human labels: the shape
the training tests share (a config, a gold pool, a gold validation set)."""

from __future__ import annotations

from pathlib import Path

from corpus.conll import read_conll
from corpus.model import Annotator, AnnotatorKind, Split
from corpus.store import Store
from flows.settings import load_settings

WIKIGOLD = Path(__file__).resolve().parent / "fixtures" / "corpora" / "wikigold" / "wikigold.conll.txt"


def wikigold_project(root: Path, config: str, pool: int, validation: int) -> Path:
    """`root` with `config` as its distil.toml; the first `pool` labelled wikigold sentences go to
    the pool and the next `validation` to the validation set, both labelled by the gold annotator."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "distil.toml").write_text(config, encoding="utf-8")
    items = [i for i in read_conll(WIKIGOLD) if i.spans][: pool + validation]
    with Store(load_settings(root).store_url) as store:
        gold = Annotator(AnnotatorKind.HUMAN, "gold:wikigold")
        store.add_labelled(items[:pool], Split.POOL, gold)
        store.add_labelled(items[pool:], Split.VALIDATION, gold)
    return root
