"""The embedded teacher: a llama.cpp OpenAI-compatible server that distil starts
itself when no endpoint is configured, health-checks, and stops when done."""

from __future__ import annotations

import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from teacher.models import resolve_model

INSTALL_HINT = (
    "the local teacher needs llama-cpp-python's server: pip install 'distil[local]' "
    "(compiles llama.cpp once, about 9 minutes on 2 cores), or configure an endpoint: "
    "DISTIL_TEACHER__BASE_URL and DISTIL_TEACHER__MODEL"
)


class LocalServerError(RuntimeError):
    pass


def local_alias(model: str) -> str:
    """The name the local server serves `model` under; distinct per model, so caches never mix."""
    name = Path(model).stem if model.endswith(".gguf") else model.removeprefix("hf:").replace("/", "-")
    return f"local:{name}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """Runs in the server's process before exec: on Linux it gets SIGTERM when distil dies, even
    by SIGKILL, so a killed run never leaves a server behind holding the CPU. (Strictly, when the
    thread that started it ends: `local_teacher`'s with-block keeps that thread alive.)"""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextmanager
def local_teacher(
    model: str,
    context: int = 4096,
    threads: int | None = None,
    progress=print,
    startup_timeout_s: float = 180.0,
) -> Iterator[tuple[str, str]]:
    """Start llama.cpp on `model` (see teacher.models.resolve_model); yield (base_url, model alias)."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise LocalServerError(INSTALL_HINT)
    gguf = resolve_model(model, progress)
    port = _free_port()
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"distil-llama-{port}.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", local_alias(model),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(context),
        "--n_threads", str(threads or max(1, os.cpu_count() or 1)),
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent
        )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_healthy(base_url, process, log_path, startup_timeout_s)
        yield base_url, local_alias(model)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(base_url: str, process: subprocess.Popen, log_path: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise LocalServerError(f"the local teacher exited with code {process.returncode}:\n{tail}")
        try:
            if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise LocalServerError(f"the local teacher did not answer within {timeout_s:.0f} s (log: {log_path})")
