"""A serving install as a user makes one: a clean virtualenv with only `distil-runtime[serve]`
from this checkout (no torch, no gliner, no distil) serves a bundle distil exported, and answers
with the spans gliner's own ONNX path finds on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from corpus.conll import read_conll
from tests.services.postgres import free_port
from tests.services.processes import logged_process, wait_until_ready

pytestmark = pytest.mark.slow
RUNTIME = Path(__file__).resolve().parents[2] / "runtime"


@pytest.fixture(scope="module")
def serving_venv(tmp_path_factory):
    venv = tmp_path_factory.mktemp("serving") / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    done = subprocess.run(
        [str(venv / "bin/pip"), "install", "--quiet", f"{RUNTIME}[serve]"],
        capture_output=True, text=True, env=env, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return venv


def test_the_serving_install_has_no_torch_and_stays_small(serving_venv):
    (site,) = (serving_venv / "lib").glob("python*/site-packages")
    installed = {p.name.split("-")[0].lower() for p in site.glob("*.dist-info")}
    assert {"onnxruntime", "tokenizers", "numpy", "starlette", "uvicorn", "distil_runtime"} <= installed
    assert not installed & {"torch", "transformers", "gliner", "distil"}, installed
    size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file()) / 1e6
    assert size < 250, f"{size:.0f} MB: the serving install grew (gliner with CPU torch is ~1300 MB)"


def test_a_clean_serving_install_answers_with_gliners_spans(
    serving_venv, exported_bundles, corpora, tmp_path
):
    from gliner import GLiNER

    good, _ = exported_bundles
    meta = json.loads((good / "distil_bundle.json").read_text())
    onnx_file = "model.onnx"  # the bundle ships its chosen format under this name
    texts = [i.document.text for i in read_conll(corpora / "wikigold/wikigold.conll.txt")][330:360]
    port, log = free_port(), tmp_path / "serve.log"
    # batch 1: dynamic INT8 scales activations per batch, so gliner is compared one text at a time
    command = [str(serving_venv / "bin/distil-serve"), str(good), "--port", str(port), "--max-batch", "1"]
    with logged_process(command, log, env={"PATH": "/usr/bin:/bin"}) as running:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(f"{url}/health", running, log, ready=lambda status: status == 200)
        answer = httpx.post(f"{url}/v1/extract", json={"texts": texts}, timeout=120)
    assert answer.status_code == 200, answer.text
    served = [[(e["start"], e["end"], e["label"]) for e in found] for found in answer.json()["entities"]]
    reference = GLiNER.from_pretrained(
        str(good), load_onnx_model=True, onnx_model_file=onnx_file, local_files_only=True
    )
    # as the model card tells a gliner user: ask in the words the student was trained with
    prompts = json.loads((good / "gliner_config.json").read_text())["label_prompts"]
    words = [prompts.get(label, label) for label in meta["labels"]]
    assert words != meta["labels"], "the student was trained with label prompts (the default)"
    back = dict(zip(words, meta["labels"], strict=True))
    expected = reference.inference(texts, words, threshold=meta["threshold"], flat_ner=True, batch_size=1)
    assert served == [[(e["start"], e["end"], back[e["label"]]) for e in found] for found in expected]
    assert sum(map(len, served)) > 15, "the good student finds entities to compare"
