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
from contextlib import contextmanager
from pathlib import Path

from tests.services.postgres import free_port
from tests.services.processes import hold_until_interrupted, logged_process, wait_until_ready

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
    command = [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    try:
        with logged_process(command, log, env) as server:
            wait_until_ready(f"{api_url}/health", server, log, timeout, ready=lambda status: status == 200)
            yield api_url, home
    finally:
        shutil.rmtree(home, ignore_errors=True)


def process_worker(env: dict[str, str], pool: str, log: Path, *options: str):
    """`prefect worker start` on a process pool, until the block ends."""
    return logged_process(
        [PREFECT, "worker", "start", "--pool", pool, "--type", "process", *options], log, env
    )


if __name__ == "__main__":
    with prefect_server() as (url, home):
        hold_until_interrupted(f"PREFECT_API_URL={url} PREFECT_HOME={home}  (Ctrl-C stops it)")
