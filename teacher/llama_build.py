"""Build llama-cpp-python for the embedded teacher so that it runs on any x86-64 machine with AVX2.

pip's default build is native (GGML_NATIVE=ON): on an Intel Xeon that advertises AMX, ggml picks
its AMX kernels, and on the VMs we run on those fault (general protection fault in
libggml-cpu.so) on the first real prompt. So the build names its instruction sets instead of
asking the CPU. pip's wheel cache is keyed by the sdist, not by CMAKE_ARGS, and would hand back a
native wheel built earlier, so the wheel is built into a folder of our own, keyed by the flags,
and installed from there.

Run as `python -m teacher.llama_build` (the Makefile does); stdlib only, so it runs before
distil is installed. Prints the wheel folder on stdout, and on stderr one line of progress a
minute while it compiles.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

SPEC = "llama-cpp-python[server]==0.3.36"
# what every machine of ours has (AMD EPYC and Intel Xeon alike); AVX-512 and AMX left out on purpose
PORTABLE_FLAGS = (
    "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON "
    "-DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
)
# ggml reports these in llama_print_system_info(); a build that enables one is not portable
NON_PORTABLE_FEATURES = ("AMX_INT8", "AMX_BF16", "AMX_TILE", "AVX512 ")


def wheel_dir() -> Path:
    key = hashlib.sha256(f"{SPEC} {PORTABLE_FLAGS}".encode()).hexdigest()[:12]
    base = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
    return Path(base) / "distil" / "wheels" / f"llama-cpp-portable-{key}"


def non_portable_features(system_info: str) -> list[str]:
    """The instruction sets a loaded llama.cpp says it uses that some of our machines fault on."""
    found = []
    for feature in NON_PORTABLE_FEATURES:
        match = re.search(rf"{feature.strip()}\s*=\s*1", system_info)
        if match:
            found.append(feature.strip())
    return found


def _report_progress(log: Path, started: float, done: threading.Event) -> None:
    while not done.wait(60):
        steps = re.findall(r"\[(\d+)/(\d+)\]", log.read_text(errors="replace")[-4000:])
        where = f", step {steps[-1][0]}/{steps[-1][1]}" if steps else ""
        print(
            f"  compiling llama.cpp: {(time.monotonic() - started) / 60:.0f} min{where}",
            file=sys.stderr,
            flush=True,
        )


def build(python: str = sys.executable) -> Path:
    """The portable wheel's folder, building it first when it holds none."""
    target = wheel_dir()
    if any(target.glob("llama_cpp_python-*.whl")):
        return target
    target.mkdir(parents=True, exist_ok=True)
    log = target / "build.log"
    print(
        f"compiling llama.cpp for any AVX2 machine (once, ~9 min on 2 cores; log: {log})",
        file=sys.stderr,
        flush=True,
    )
    env = {**os.environ, "CMAKE_ARGS": PORTABLE_FLAGS, "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 2)}
    started, done = time.monotonic(), threading.Event()
    threading.Thread(target=_report_progress, args=(log, started, done), daemon=True).start()
    with log.open("wb") as out:
        # -v so the log shows ninja's [n/m] steps; --no-deps: the server's dependencies come from PyPI
        command = [python, "-m", "pip", "wheel", "-v", "--no-cache-dir", "--no-deps", "-w", str(target), SPEC]
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    done.set()
    if result.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        sys.exit("llama.cpp did not compile (log: {}):\n{}".format(log, "\n".join(tail)))
    print(f"llama.cpp compiled in {(time.monotonic() - started) / 60:.1f} min", file=sys.stderr, flush=True)
    return target


if __name__ == "__main__":
    print(build())
