"""The `distil` command line: init, ingest, status, dump, guidelines; config and secrets."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from corpus.store import Store
from flows.cli.app import app
from flows.settings import load_settings

runner = CliRunner()


def distil(*args, env=None):
    return runner.invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("DISTIL_DATABASE_URL", raising=False)
    result = distil("init", tmp_path / "proj", "--guidelines", "pii")
    assert result.exit_code == 0, result.output
    return tmp_path / "proj"


def test_init_scaffolds_config_and_an_editable_guidelines_copy(project):
    assert (project / "distil.toml").read_text().count('guidelines = "guidelines/pii.md"') == 1
    assert (project / "guidelines" / "pii.md").exists()
    (project / "guidelines" / "pii.md").write_text("edited", encoding="utf-8")
    result = distil("init", project, "--guidelines", "pii")
    assert "kept existing" in result.output
    assert (project / "guidelines" / "pii.md").read_text() == "edited", "init never overwrites a user's edits"


def test_ingest_status_and_dump(project, corpora, tmp_path):
    raw = tmp_path / "raw.txt"
    raw.write_bytes(b"One raw doc.\nTwo raw doc.\nOne raw doc.\nbad \xff\n")
    result = distil("ingest", raw, "-p", project)
    assert result.exit_code == 0, result.output
    assert "read 3, added 2, duplicates 1" in result.output
    assert f"skipped {raw}:4: not valid UTF-8" in result.output
    gold, texts, entities = _presidio_in_guidelines(corpora, tmp_path)
    result = distil("ingest", gold, "--split", "validation", "-p", project)
    assert result.exit_code == 0, result.output
    unique = len(set(texts))
    assert (
        f"read {len(texts)}, added {unique}, duplicates {len(texts) - unique}, entities {entities}"
        in result.output
    )

    status = distil("status", "-p", project).output
    assert "validation" in status and str(unique) in status and "pool" in status
    assert "guidelines: pii version" in status

    out = tmp_path / "human.jsonl"
    assert distil("dump", out, "--kind", "human", "-p", project).exit_code == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == unique and {r["split"] for r in records} == {"validation"}


def _presidio_in_guidelines(corpora, tmp_path):
    """The Presidio slice's records whose every label the built-in pii guidelines have (6 of its
    17 types are not among them), as a JSON list; with their texts and entity count."""
    from corpus.guideline_files import load_guidelines

    labels = set(load_guidelines("pii").label_names)
    raw = json.loads((corpora / "presidio-synth-pii/synth_dataset_v2.json").read_text(encoding="utf-8"))
    kept = [r for r in raw if all(span["entity_type"] in labels for span in r["spans"])]
    path = tmp_path / "presidio-known-labels.json"
    path.write_text(json.dumps(kept), encoding="utf-8")
    return path, [r["full_text"] for r in kept], sum(len(r["spans"]) for r in kept)


def test_gold_with_labels_the_guidelines_do_not_have_is_refused(project, corpora):
    gold = corpora / "presidio-synth-pii/synth_dataset_v2.json"
    result = distil("ingest", gold, "--split", "validation", "-p", project)
    assert result.exit_code == 2
    assert "label 'AGE' is not in the guidelines (" in result.output and f"{gold}:" in result.output
    with Store(load_settings(project).store_url) as store:
        assert store.documents() == [], "a file with any bad record stores nothing"


def test_a_bad_labelled_file_fails_clearly_and_stores_nothing(project, tmp_path):
    bad = tmp_path / "bad.conll"
    bad.write_text("Ann B-PER\nBob Q-PER\n", encoding="utf-8")
    result = distil("ingest", bad, "--split", "test", "-p", project)
    assert result.exit_code == 2
    assert "nothing from the file was stored" in result.output and f"{bad}:2:" in result.output
    with Store(load_settings(project).store_url) as store:
        assert store.documents() == []


def test_secrets_in_the_config_file_are_refused(project):
    with (project / "distil.toml").open("a") as handle:
        handle.write('\n[review]\napi_key = "sk-do-not-commit"\n')
    result = distil("status", "-p", project)
    assert result.exit_code == 2
    assert "review.api_key look like secrets" in result.output
    assert "sk-do-not-commit" not in result.output


def test_environment_overrides_the_config_file(project, tmp_path):
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    result = distil("status", "-p", project, env={"DISTIL_DATABASE_URL": url})
    assert result.exit_code == 0
    assert (tmp_path / "elsewhere.db").exists()


def test_guidelines_check_reports_lines(project):
    path = project / "guidelines" / "pii.md"
    path.write_text(path.read_text().replace("(PERSON).", "(PERSN).", 1), encoding="utf-8")
    result = distil("guidelines", "check", "-p", project)
    assert result.exit_code == 2
    assert f"{path}:" in result.output and "unknown label 'PERSN'" in result.output
    assert distil("guidelines", "check", "general").exit_code == 0


def test_error_messages_keep_their_brackets(project, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "Short.", "spans": [{"start": 2, "end": 40, "label": "X"}]}\n', encoding="utf-8")
    result = distil("ingest", bad, "--split", "test", "-p", project)
    assert result.exit_code == 2
    assert f"{bad}:1: span 0: offsets [2, 40) are not a range inside the text" in result.output
