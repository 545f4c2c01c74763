"""The model registry on SQLite and PostgreSQL: one production model, history with who and why,
rollback as a stack of promotions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from corpus.store import Store
from corpus.tables import ModelRow
from export.registry import ROLLED_BACK, ModelRecord, ModelStatus, Registry, RegistryError


@pytest.fixture
def registry(db_url, tmp_path):
    with Store(db_url) as store:
        yield Registry(store, tmp_path)


def record(model_id: str, f1: float = 0.5) -> ModelRecord:
    return ModelRecord(
        id=model_id,
        base="minilm",
        training_set_hash="abc",
        guidelines_version="v1",
        labels=["PER", "LOC"],
        threshold=0.4,
        label_thresholds={"LOC": 0.6},
        metrics={"dev_f1": f1},
        artifacts={"student": f"/students/{model_id}"},
        status=ModelStatus.CANDIDATE,
    )


def promote(registry: Registry, model_id: str) -> None:
    registry.set_production(model_id, "promoted", "alice", "better", {})


def test_register_then_get_round_trips_with_history(registry):
    registry.register(record("20260101-aaa", 0.61), actor="alice")
    got = registry.get("20260101")  # a unique prefix is enough
    assert (got.id, got.status, got.labels, got.threshold) == (
        "20260101-aaa",
        "candidate",
        ["PER", "LOC"],
        0.4,
    )
    assert got.metrics == {"dev_f1": 0.61} and got.label_thresholds == {"LOC": 0.6}
    assert [(e["action"], e["actor"]) for e in got.events] == [("registered", "alice")]
    registry.register(record("20260101-aaa", 0.7))  # again: metrics updated, no second row or event
    again = registry.get("20260101-aaa")
    assert again.metrics["dev_f1"] == 0.7 and len(again.events) == 1 and len(registry.list()) == 1


def test_unknown_and_ambiguous_ids_are_refused(registry):
    registry.register(record("m1-a"))
    registry.register(record("m1-b"))
    with pytest.raises(RegistryError, match="several match"):
        registry.get("m1")
    with pytest.raises(RegistryError, match="no such model"):
        registry.get("zzz")


def test_one_production_model_and_the_replaced_one_is_archived(registry):
    for name in ("a", "b"):
        registry.register(record(name))
    promote(registry, "a")
    promote(registry, "b")
    assert registry.production().id == "b"
    assert registry.get("a").status == ModelStatus.ARCHIVED
    assert [e["action"] for e in registry.get("a").events] == ["registered", "promoted", "archived"]


def test_rollback_walks_back_through_promotions(registry):
    for name in ("a", "b", "c"):
        registry.register(record(name))
        promote(registry, name)
    assert registry.previous_production().id == "b"
    # roll back c -> b, then b -> a; a rolled-back model is not restored again
    for current, previous in (("c", "b"), ("b", "a")):
        registry.update(current, action=ROLLED_BACK, reason="bad outputs")
        registry.set_production(previous, "restored", None, "rollback", {})
        assert registry.production().id == previous
    assert registry.previous_production() is None
    # promoting again starts a new stack on top of the old
    promote(registry, "c")
    assert registry.previous_production().id == "a"


def test_artifact_paths_are_kept_relative_to_the_project(db_url, tmp_path):
    """A worker mounts the project at /project, the host has it elsewhere: both find the model."""
    worker_root, host_root = tmp_path / "project", tmp_path / "checkout" / "project"
    inside = record("20260102-rel")
    inside.artifacts = {
        "student": str(worker_root / ".distil/students/20260102-rel"),
        "bundle": str(worker_root / ".distil/models/20260102-rel/bundle"),
        "format": "int8",
    }
    outside = record("20260102-abs")  # a shared disk outside the project stays as it was given
    with Store(db_url) as store:
        Registry(store, worker_root).register(inside)
        Registry(store, worker_root).register(outside)
        with store.transaction() as session:
            stored = {row.id: row.artifacts for row in session.scalars(select(ModelRow))}
        on_host = Registry(store, host_root)
        assert on_host.get("20260102-rel").artifacts == {
            "student": str(host_root / ".distil/students/20260102-rel"),
            "bundle": str(host_root / ".distil/models/20260102-rel/bundle"),
            "format": "int8",
        }
        assert on_host.get("20260102-abs").artifacts["student"] == "/students/20260102-abs"
    assert stored["20260102-rel"]["student"] == ".distil/students/20260102-rel"
    assert stored["20260102-rel"]["bundle"] == ".distil/models/20260102-rel/bundle"
