"""Bundles are replaced atomically and checked by their manifest."""

from __future__ import annotations

import os

import pytest

from export import bundle as bundle_module
from export.bundle import atomic_directory, recover, verify_bundle, write_manifest


def make_bundle(path, content: str) -> None:
    with atomic_directory(path) as scratch:
        (scratch / "model.onnx").write_text(content)
        (scratch / "README.md").write_text("card")
        write_manifest(scratch)


def test_manifest_catches_changed_missing_and_unlisted_files(tmp_path):
    target = tmp_path / "bundle"
    make_bundle(target, "weights")
    assert verify_bundle(target) == []
    (target / "model.onnx").write_text("tampered")
    (target / "extra.txt").write_text("?")
    (target / "README.md").unlink()
    problems = "\n".join(verify_bundle(target))
    assert "model.onnx does not match" in problems
    assert "README.md is missing" in problems and "extra.txt: not in the manifest" in problems
    assert "MANIFEST.sha256: missing" in verify_bundle(tmp_path)[0]


def test_a_crash_while_writing_leaves_the_good_bundle(tmp_path, monkeypatch):
    target = tmp_path / "bundle"
    make_bundle(target, "good")

    def crash(directory):
        raise KeyboardInterrupt  # as a Ctrl-C or a kill would, half way through

    export = tmp_path / "export"
    export.mkdir()
    (export / "model.int8.onnx").write_text("new weights")
    monkeypatch.setattr(bundle_module, "write_manifest", crash)
    with pytest.raises(KeyboardInterrupt):
        bundle_module.write_bundle(target, export, "model.int8.onnx", {}, ("g.md", ""), {}, "")
    assert verify_bundle(target) == [] and (target / "model.onnx").read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle", "export"]


def test_a_crash_between_the_two_renames_is_recovered(tmp_path):
    target = tmp_path / "bundle"
    make_bundle(target, "good")
    os.replace(target, tmp_path / ".bundle.old")  # the old one moved aside, the new one never arrived
    recover(target)
    assert verify_bundle(target) == []
    make_bundle(target, "new")
    assert (target / "model.onnx").read_text() == "new" and verify_bundle(target) == []
    assert not (tmp_path / ".bundle.old").exists()
