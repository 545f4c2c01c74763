"""A real Prefect server and process worker for the test session, as a data team runs them:
`prefect server start`, `prefect work-pool create`, `prefect deploy --all`, `prefect worker start`,
each a subprocess of the installed `prefect` command (no in-process harness, no mocks).

    python -m tests.services.prefect   # start one by hand and print its API URL
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.services.postgres import free_port

PREFECT = str(Path(sys.executable).with_name("prefect"))


def prefect_env(api_url: str, home: Path, **extra: str) -> dict[str, str]:
    """The environment of a prefect command talking to this server (its own PREFECT_HOME, so the
    machine's profiles and the user's settings play no part)."""
    return {
        **os.environ,
        "PREFECT_API_URL": api_url,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_CLI_PROMPT": "false",
        **extra,
    }


def prefect(env: dict[str, str], *args: str, cwd: Path | None = None, timeout: float = 180) -> str:
    """Run a prefect command; its output, or an error carrying it."""
    done = subprocess.run([PREFECT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(
            f"prefect {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


@contextmanager
def prefect_server(database_url: str | None = None, timeout: float = 180):
    """Yield (API URL, PREFECT_HOME) of a fresh server, on `database_url` (an asyncpg URL, as a
    team runs it) or SQLite; stopped and removed after. On SQLite a busy server (scheduled runs
    being created for four deployments while flows report) answers 503 "database is locked"."""
    home = Path(tempfile.mkdtemp(prefix="distil-prefect-"))
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = prefect_env(
        api_url, home,
        PREFECT_API_DATABASE_CONNECTION_URL=database_url or f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        PREFECT_UI_ENABLED="false",
    )  # fmt: skip
    log = home / "server.log"
    with log.open("wb") as handle:
        server = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=handle, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_healthy(api_url, server, log, timeout)
        yield api_url, home
    finally:
        _stop(server)
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def process_worker(env: dict[str, str], pool: str, log: Path, *options: str):
    """`prefect worker start` on a process pool, until the block ends."""
    with log.open("wb") as handle:
        worker = subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", pool, "--type", "process", *options],
            env=env, stdout=handle, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield worker
    finally:
        _stop(worker)


def _wait_healthy(api_url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prefect server exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(
        f"prefect server did not answer in {timeout} s:\n{log.read_text(errors='replace')[-3000:]}"
    )


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


if __name__ == "__main__":
    with prefect_server() as (url, home):
        print(f"PREFECT_API_URL={url} PREFECT_HOME={home}  (Ctrl-C stops it)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
