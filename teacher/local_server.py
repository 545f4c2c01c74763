"""The embedded teacher: a llama.cpp OpenAI-compatible server that distil starts
itself when no endpoint is configured, health-checks, and stops when done.

Healthy means it completed a real prompt: its `/models` answers even where the CPU kernels
crash on the first prompt (AMX on some Intel VMs). While it runs, `server_gone(base_url)`
says why it is gone if the process died, so the teacher's circuit breaker stops the run at
once with the signal, the last lines of its log and the fix, instead of retrying every document.
"""

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

from teacher.gguf_files import resolve_model

INSTALL_HINT = (
    "the local teacher needs llama-cpp-python's server: pip install 'distil[local]' "
    "(compiles llama.cpp once, about 9 minutes on 2 cores), or configure an endpoint: "
    "DISTIL_TEACHER__BASE_URL and DISTIL_TEACHER__MODEL"
)


class LocalServerError(RuntimeError):
    pass


# A prompt of a few hundred tokens: the size at which a crashing CPU kernel shows itself
_PROBE_PROMPT = "Read this text and answer with the word ready. " + " ".join(
    f"Sentence {i} names Ada Lovelace, London and the Analytical Engine." for i in range(24)
)
_REBUILD = (
    "rebuild llama.cpp for any AVX2 CPU: `make setup` after `rm .venv/.installed`, or "
    'pip install --force-reinstall --no-deps --no-index --find-links "$(python -m teacher.llama_build)" '
    "llama-cpp-python (README: 'The embedded teacher on any machine'); `distil doctor` checks it"
)
_running: dict[str, tuple[subprocess.Popen, Path]] = {}  # base URL -> (process, log) of servers we started


def server_gone(base_url: str) -> str | None:
    """Why the local server at `base_url` is gone, when we started it and it has died; else None."""
    entry = _running.get(base_url)
    if entry is None or entry[0].poll() is None:
        return None
    return death_message(*entry)


def death_message(process: subprocess.Popen, log_path: Path) -> str:
    """The exit (signal or code), the fix, the log's path and its last lines."""
    code = process.returncode
    if code is not None and code < 0:
        how = f"was killed by {signal.Signals(-code).name}"
    else:
        how = f"exited with code {code}"
    crashed = code is not None and -code in (signal.SIGSEGV, signal.SIGILL, signal.SIGBUS, signal.SIGFPE)
    fix = _REBUILD if crashed else "see its log; `distil doctor` checks the local teacher"
    tail = log_path.read_text(errors="replace").strip().splitlines()[-8:] if log_path.exists() else []
    lines = "".join(f"\n  | {line}" for line in tail)
    return f"the local teacher (llama.cpp, pid {process.pid}) {how}; fix: {fix}; log: {log_path}{lines}"


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
    """Start llama.cpp on `model` (see teacher.gguf_files.resolve_model); yield (base_url, model alias)."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise LocalServerError(INSTALL_HINT)
    gguf = resolve_model(model, progress)
    port = _free_port()
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"distil-llama-{port}.log"
    command = server_command(gguf, local_alias(model), port, context, threads or max(1, os.cpu_count() or 1))
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent
        )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_healthy(base_url, process, log_path, startup_timeout_s)
        _probe(base_url, local_alias(model), process, log_path, startup_timeout_s)
        _running[base_url] = (process, log_path)
        yield base_url, local_alias(model)
    finally:
        _running.pop(base_url, None)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def server_command(gguf: Path, alias: str, port: int, context: int, threads: int) -> list[str]:
    return [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", alias,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(context), "--n_threads", str(threads),
    ]  # fmt: skip


def _wait_healthy(base_url: str, process: subprocess.Popen, log_path: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalServerError(f"{death_message(process, log_path)}")
        try:
            if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise LocalServerError(f"the local teacher did not answer within {timeout_s:.0f} s (log: {log_path})")


def _probe(base_url: str, alias: str, process: subprocess.Popen, log_path: Path, timeout_s: float) -> None:
    """A real completion of a few hundred prompt tokens; the server is not healthy before it."""
    try:
        response = httpx.post(
            f"{base_url}/chat/completions",
            json={"model": alias, "messages": [{"role": "user", "content": _PROBE_PROMPT}],
                  "max_tokens": 4, "temperature": 0},
            timeout=timeout_s,
        )  # fmt: skip
    except httpx.HTTPError as error:
        try:
            process.wait(timeout=5)  # a kernel that crashes on the prompt takes the server down with it
        except subprocess.TimeoutExpired:
            raise LocalServerError(
                f"the local teacher did not complete a test prompt ({type(error).__name__}: {error}); "
                f"log: {log_path}"
            ) from None
        raise LocalServerError(f"on its first prompt, {death_message(process, log_path)}") from None
    if response.status_code != 200 or not response.json().get("choices"):
        raise LocalServerError(
            f"the local teacher answered a test prompt with {response.status_code}: "
            f"{response.text[:300]}; log: {log_path}"
        )
