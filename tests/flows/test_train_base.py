"""`distil train` on the default base, "auto", as a user's shell runs it online: the hub's
pretrained GLiNER where the hub answers, the packaged MiniLM where it does not; each run says
which and why, and the registry names what the student was trained from.

The real hub cannot be reached from these machines, so a stand-in speaks its HTTP API
(tests/services/hub.py) through HF_ENDPOINT, serving the session's trained student as
urchade/gliner_small-v2.1: a GLiNER whose heads already find wikigold's entities."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.project import Project
from flows.settings import load_settings
from student.backbone import PRETRAINED_GLINER
from student.train import TrainedStudent
from tests.projects import wikigold_project
from tests.services.hub import stand_in_hub

pytestmark = pytest.mark.slow


@pytest.fixture
def project(tmp_path) -> Path:
    # the served student trained on the first 240 of these: its dev F1 here shows it was the start
    config = "[student]\nmax_steps = 4\neval_every = 4\n"
    return wikigold_project(tmp_path / "p", config, pool=200, validation=20)


def train_online(project: Path, tmp_path: Path, endpoint: str) -> tuple[subprocess.CompletedProcess, str]:
    """`distil train` with the hub at `endpoint` and the suite's HF_HUB_OFFLINE unset; its output
    with rich's line wrapping undone."""
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env.update(HF_ENDPOINT=endpoint, HF_HOME=str(tmp_path / "hf"), DISTIL_LOG_DIR=str(tmp_path / "logs"))
    script = Path(sys.executable).with_name("distil")
    done = subprocess.run(
        [str(script), "train", "-p", str(project)], capture_output=True, text=True, env=env, timeout=600
    )
    return done, " ".join(done.stdout.split())


def trained_from(project: Path) -> tuple[str, TrainedStudent]:
    with Project(load_settings(project)) as opened:
        [record] = opened.registry.list()
    return record.base, TrainedStudent.load(record.artifacts["student"])


def test_train_starts_from_the_pretrained_gliner_when_the_hub_answers(project, tmp_path, trained_students):
    _, served, _ = trained_students
    with stand_in_hub(served.path, PRETRAINED_GLINER) as hub:
        done, out = train_online(project, tmp_path, hub.url)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"student base: {PRETRAINED_GLINER}, a pretrained GLiNER from the Hugging Face hub" in out
    assert f"(from {PRETRAINED_GLINER}, training set" in out, "the summary names it whole"
    assert {"gliner_config.json", "pytorch_model.bin", "tokenizer.json"} <= hub.fetched()
    base, student = trained_from(project)
    assert base == PRETRAINED_GLINER
    # fresh heads score under 0.05 before a step (the test below; tests/student/test_train.py)
    assert student.untrained_dev_f1 >= 0.1, "before a step it already finds entities: the hub's heads"
    assert "it/s" not in done.stdout + done.stderr, "no download bars between distil's lines"


def test_train_falls_back_to_minilm_and_says_why_when_the_hub_does_not_answer(project, tmp_path):
    done, out = train_online(project, tmp_path, "http://127.0.0.1:9")  # nothing listens there
    assert done.returncode == 0, done.stderr[-3000:]
    assert (
        f"student base: minilm, offline, as {PRETRAINED_GLINER} could not be had "
        "(http://127.0.0.1:9 did not answer: ConnectError" in out
    )
    assert "(from minilm, training set" in out
    base, student = trained_from(project)
    assert base == "minilm"
    assert student.untrained_dev_f1 < 0.05, "fresh heads find next to nothing before training"
