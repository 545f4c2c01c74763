"""The distil image without a Docker engine: the Dockerfile's install step is deploy/install.sh,
and here it runs as written into a clean virtualenv; the installed distil must then work from
outside the checkout (no editable install, no working-directory imports), as in the image."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_the_dockerfile_installs_with_the_script_ci_runs():
    run = re.search(r"^RUN (.*?deploy/install\.sh.*?)(?:\n(?!\s)|\Z)", DOCKERFILE, flags=re.M | re.S)
    assert run, "the image's install step is deploy/install.sh"
    assert "/opt/distil/venv /opt/distil/src" in run.group(1)
    assert re.search(r"^COPY \. /opt/distil/src$", DOCKERFILE, flags=re.M)
    assert "ARG LOCAL_TEACHER=0" in DOCKERFILE, "the local teacher is a build argument, off by default"
    assert "download.pytorch.org/whl/cpu" in DOCKERFILE, "CPU torch in the image, not GBs of CUDA"
    assert re.search(r"^FROM python:3\.11\.\d+-slim", DOCKERFILE, flags=re.M), "a pinned base image"
    assert re.search(r"^USER distil$", DOCKERFILE, flags=re.M), "the worker does not run as root"


@pytest.mark.slow
def test_the_image_install_steps_work_in_a_clean_virtualenv(tmp_path):
    venv = tmp_path / "image-venv"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"  # the system python, as the image's base has
    done = subprocess.run(
        ["sh", str(ROOT / "deploy/install.sh"), str(venv), str(ROOT)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert f"distil installed in {venv}" in done.stdout
    # what the worker imports is the installed copy, not this checkout
    where = subprocess.run(
        [str(venv / "bin/python"), "-c", "import flows.pipeline, corpus; print(flows.pipeline.__file__)"],
        cwd=tmp_path, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert where.returncode == 0 and str(venv) in where.stdout, where.stdout + where.stderr
    guidelines = subprocess.run(
        [str(venv / "bin/python"), "-c", "from corpus.guideline_files import load_guidelines; "
         "print(load_guidelines('general').labels)"],
        cwd=tmp_path, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert "PER" in guidelines.stdout, "the built-in guidelines are in the wheel" + guidelines.stderr
    loaded = subprocess.run(
        [str(venv / "bin/python"), "-c", "from prefect.flows import load_flow_from_entrypoint; "
         "print(load_flow_from_entrypoint('flows.end_to_end:distill', use_placeholder_flow=False).name)"],
        cwd=tmp_path, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert loaded.stdout.strip().endswith("distill"), loaded.stderr[-2000:]
