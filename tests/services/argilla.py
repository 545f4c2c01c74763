"""A real argilla-server 2.8 for the test session, without Docker.

The server lives in its own virtualenv (it pins old libraries), created on
first use under ~/.cache/distil/argilla-server-venv. It runs on SQLite, with
Debian's redis-server and osmem-server (an in-memory OpenSearch-compatible
server from PyPI) as the search engine, through the small engine subclass in
argilla_osmem_engine.py.

    python -m tests.services.argilla   # start one by hand and print its URL and key
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from tests.services.postgres import free_port
from tests.services.processes import hold_until_interrupted, logged_process, wait_until_ready

SERVER_VERSION = "2.8.0"
REQUIREMENTS = [
    f"argilla-server=={SERVER_VERSION}",
    "click<8.2",
    "huggingface-hub<1",
    "datasets<4",
    "osmem-server==0.1.6",
]
VENV = Path(os.environ.get("DISTIL_ARGILLA_VENV", Path.home() / ".cache" / "distil" / "argilla-server-venv"))
API_KEY = "distil-test-owner-key"
ANNOTATORS = {name: f"distil-test-{name}-key" for name in ("annie", "bob", "cleo")}
HERE = Path(__file__).resolve().parent


def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    marker = VENV / f".argilla-server-{SERVER_VERSION}"
    if marker.exists():
        return python
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *REQUIREMENTS], check=True)
    marker.touch()
    return python


def _server_env(home: Path, redis_port: int, search_port: int) -> dict[str, str]:
    """The Argilla server's settings: its own SQLite file, the in-memory search engine, no hub."""
    return {
        **os.environ,
        "ARGILLA_HOME_PATH": str(home),
        "ARGILLA_DATABASE_URL": f"sqlite+aiosqlite:///{home / 'argilla.db'}?check_same_thread=False",
        "ARGILLA_SEARCH_ENGINE": "osmem",
        "ARGILLA_ELASTICSEARCH": f"http://127.0.0.1:{search_port}",
        "ARGILLA_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "ARGILLA_ENABLE_TELEMETRY": "0",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(HERE),
    }


def _create_users(python: Path, env: dict[str, str]) -> None:
    """The database migrated, then the owner and the annotators (ANNOTATORS) in workspace `argilla`."""
    manage = [str(python), "-m", "argilla_server", "database"]
    subprocess.run([*manage, "migrate"], env=env, check=True, capture_output=True)
    users = [("owner", "owner", API_KEY)] + [(name, "annotator", key) for name, key in ANNOTATORS.items()]
    for username, role, key in users:
        account = ["--first-name", username, "--username", username, "--password", f"{username}-password"]
        account += ["--role", role, "--api-key", key, "--workspace", "argilla"]
        subprocess.run(
            [*manage, "users", "create", *account],
            env=env,
            check=True,
            capture_output=True,
        )


@contextmanager
def argilla_server():
    """Yield (api_url, owner API key) of a fresh server with three annotators (ANNOTATORS:
    name -> API key) in workspace `argilla`; everything is stopped and removed after."""
    python = ensure_venv()
    redis = shutil.which("redis-server")
    if redis is None:
        raise RuntimeError("redis-server not found: apt-get install redis-server (make test does this)")
    home = Path(tempfile.mkdtemp(prefix="distil-argilla-"))
    redis_port, search_port, port = free_port(), free_port(), free_port()
    env = _server_env(home, redis_port, search_port)
    boot = (
        "import argilla_osmem_engine, uvicorn, argilla_server; "
        "uvicorn.run(argilla_server.app, host='127.0.0.1', port={})"
    )
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, home, ignore_errors=True)
        stack.enter_context(
            logged_process(
                [redis, "--port", str(redis_port), "--save", "", "--appendonly", "no"], home / "redis.log"
            )
        )
        osmem = stack.enter_context(
            logged_process(
                [
                    str(next(VENV.glob("lib/python*/site-packages/osmem_server/bin/osmem-server"))),
                    "-addr",
                    f"127.0.0.1:{search_port}",
                    "-no-stdin-watch",
                    "-no-ja",
                ],
                home / "osmem.log",
            )
        )
        wait_until_ready(f"http://127.0.0.1:{search_port}", osmem, home / "osmem.log")
        _create_users(python, env)
        server = stack.enter_context(
            logged_process([str(python), "-c", boot.format(port)], home / "server.log", env)
        )
        stack.enter_context(
            logged_process([str(python), "-m", "argilla_server", "worker"], home / "worker.log", env)
        )
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(f"{url}/api/_status", server, home / "server.log", timeout=180)
        yield url, API_KEY


def submit(
    url: str, owner_key: str, dataset: str, document_id: str, spans, annotator: str, status="submitted"
):
    """What the UI sends when `annotator` submits (or discards) the record of `document_id` (a
    record id: `<document id>@<offset>` for a part of a long text); the response's id."""
    import argilla as rg

    from review.argilla_backend import QUESTION

    records = rg.Argilla(api_url=url, api_key=owner_key).datasets(dataset, workspace="argilla").records()
    record = next(r for r in records if str(r.id) == document_id)
    value = [{"start": s.start, "end": s.end, "label": s.label} for s in spans]
    response = httpx.post(
        f"{url}/api/v1/records/{record._server_id}/responses",
        headers={"X-Argilla-Api-Key": ANNOTATORS[annotator]},
        json={"values": {QUESTION: {"value": value}}, "status": status},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def edit(url: str, response_id: str, spans, annotator: str) -> None:
    """What the UI sends when `annotator` changes an answer already submitted."""
    from review.argilla_backend import QUESTION

    value = [{"start": s.start, "end": s.end, "label": s.label} for s in spans]
    response = httpx.put(
        f"{url}/api/v1/responses/{response_id}",
        headers={"X-Argilla-Api-Key": ANNOTATORS[annotator]},
        json={"values": {QUESTION: {"value": value}}, "status": "submitted"},
    )
    assert response.status_code == 200, response.text


if __name__ == "__main__":
    with argilla_server() as (url, key):
        logins = ", ".join(f"{name} / {name}-password" for name in ["owner", *ANNOTATORS])
        hold_until_interrupted(
            f"Argilla at {url} (owner API key {key}; web logins: {logins}); data is removed at Ctrl-C.\n"
            f"  export ARGILLA_API_URL={url} ARGILLA_API_KEY={key}; distil review push"
        )
