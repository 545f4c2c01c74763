"""`distil dataset export` writes the project's splits in each format with a dataset card, and
`distil ingest` reads them back into another project with the same spans (formats detected)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from corpus.store import Store
from flows.cli.app import app
from flows.settings import load_settings

runner = CliRunner()


def distil(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _project(root, monkeypatch):
    monkeypatch.delenv("DISTIL_DATABASE_URL", raising=False)
    assert distil("init", root, "--guidelines", "general").exit_code == 0
    return root


def _spans(root) -> dict[str, set]:
    with Store(load_settings(root).store_url) as store:
        texts = {d.id: d.text for d in store.documents()}
        return {
            texts[a.document_id]: {(s.start, s.end, s.label) for s in a.spans} for a in store.annotations()
        }


@pytest.fixture
def labelled(tmp_path, corpora, monkeypatch):
    root = _project(tmp_path / "a", monkeypatch)
    lines = (corpora / "wikigold/wikigold.conll.txt").read_text().splitlines()
    (tmp_path / "train.conll").write_text("\n".join(lines[:2500]) + "\n")
    (tmp_path / "dev.conll").write_text("\n".join(lines[2500:4000]) + "\n")
    assert distil("ingest", tmp_path / "train.conll", "--split", "train", "-p", root).exit_code == 0
    assert distil("ingest", tmp_path / "dev.conll", "--split", "validation", "-p", root).exit_code == 0
    return root


def test_hf_export_keeps_the_splits_and_reads_back_into_another_project(labelled, tmp_path, monkeypatch):
    from datasets import load_from_disk

    out = tmp_path / "corpus"
    result = distil("dataset", "export", out, "--format", "hf", "--license", "cc-by-4.0", "-p", labelled)
    assert result.exit_code == 0, result.output
    data = load_from_disk(str(out))
    assert set(data) == {"train", "validation"}
    assert data["train"].features["ner_tags"].feature.names[:3] == ["O", "B-LOC", "I-LOC"]
    card = (out / "README.md").read_text()
    assert "license: cc-by-4.0" in card and "| validation |" in card and "version `" in card
    other = _project(tmp_path / "b", monkeypatch)
    for split in ("train", "validation"):
        result = distil("ingest", out, "--split", split, "--hf-split", split, "-p", other)
        assert result.exit_code == 0, result.output
        assert f"{out}: hf (detected)" in result.output
    assert _spans(other) == _spans(labelled) and len(_spans(other)) > 50


@pytest.mark.parametrize(
    ("fmt", "suffix"),
    [
        ("conll", ".conll"),
        ("gliner", ".json"),
        ("jsonl", ".jsonl"),
        ("label-studio", ".json"),
        ("spacy", ".spacy"),
    ],
)
def test_file_formats_write_one_file_per_split(labelled, tmp_path, fmt, suffix):
    out = tmp_path / fmt
    assert distil("dataset", "export", out, "--format", fmt, "-p", labelled).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["README.md", f"train{suffix}", f"validation{suffix}"]
    )
    if fmt == "jsonl":
        record = json.loads((out / "validation.jsonl").read_text().splitlines()[0])
        assert set(record) == {"id", "text", "spans"} and record["spans"]
    if fmt == "spacy":  # what `spacy train` reads, and what distil reads back as it was
        other = tmp_path / "other"
        assert distil("init", other, "--guidelines", "general").exit_code == 0
        result = distil("ingest", out / "validation.spacy", "--split", "validation", "-p", other)
        assert "validation.spacy: spacy (detected)" in result.output, result.output
        assert _spans(other) == {k: v for k, v in _spans(labelled).items() if k in _spans(other)}
        assert len(_spans(other)) > 10


def test_a_source_with_no_labels_is_refused_in_one_line(labelled, tmp_path):
    result = runner.invoke(
        app, ["dataset", "export", str(tmp_path / "x"), "--source", "teacher", "-p", str(labelled)]
    )
    assert result.exit_code != 0
    assert "no documents have labels from teacher" in result.output
    assert not (tmp_path / "x").exists()


def test_push_to_hub_says_what_it_needs_and_a_dead_hub_loses_nothing(labelled, tmp_path, monkeypatch):
    """Publishing itself needs the hub (users have it; this machine has not): what is tested is
    each refusal in one line, and that a hub that cannot be reached leaves the export written."""
    out = tmp_path / "hf"
    monkeypatch.delenv("HF_TOKEN", raising=False)
    result = runner.invoke(
        app, ["dataset", "export", str(out), "--push-to-hub", "me/ner", "-p", str(labelled)]
    )
    assert result.exit_code == 2 and "needs a Hugging Face token" in result.output and not out.exists()
    result = runner.invoke(
        app,
        ["dataset", "export", str(out), "--format", "conll", "--push-to-hub", "me/ner", "-p", str(labelled)],
    )
    assert result.exit_code == 2 and "publishes the hf format" in result.output
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there (or the hub is offline)
    result = runner.invoke(
        app, ["dataset", "export", str(out), "--push-to-hub", "me/ner", "-p", str(labelled)]
    )
    assert result.exit_code == 1, result.output
    assert "could not publish to the hub" in result.output and f"{out} is written" in result.output
    assert (out / "dataset_dict.json").exists() and (out / "README.md").exists()
