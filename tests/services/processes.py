"""What the test servers share: a subprocess logging to a file and stopped when its block ends,
a wait until it answers over HTTP, and holding one open by hand until Ctrl-C."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import httpx


@contextmanager
def logged_process(command: list[str], log: Path, env: dict | None = None):
    """`command` with its output in `log`, terminated (killed after 20 s) when the block ends."""
    with log.open("wb") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_ready(
    url: str,
    process: subprocess.Popen,
    log: Path,
    timeout: float = 120,
    ready: Callable[[int], bool] = lambda status: status < 500,
) -> None:
    """Until `url` answers with a status `ready` accepts; an error with the log's tail if the
    process exits first or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if ready(httpx.get(url, timeout=2).status_code):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")


def hold_until_interrupted(message: str) -> None:
    """`python -m tests.services.X`: print how to reach the server, keep it up until Ctrl-C."""
    print(message, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
