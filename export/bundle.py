"""Self-contained model bundles, written atomically and checked by a manifest.

A bundle holds everything serving needs and nothing from distil: the ONNX
model (as model.onnx), gliner_config.json, the tokenizer, distil_bundle.json
(labels, threshold, format, provenance), the guidelines it was trained for,
metrics.json, a model card (README.md) and MANIFEST.sha256 (`sha256sum -c`
checks it). It loads with
`GLiNER.from_pretrained(dir, load_onnx_model=True, onnx_model_file="model.onnx")`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from export.onnx import MODEL_FILE

MANIFEST = "MANIFEST.sha256"
META = "distil_bundle.json"
SERVING_FILES = (
    "gliner_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "spm.model",
    "sentencepiece.bpe.model",
    "added_tokens.json",
)


class BundleError(RuntimeError):
    pass


@contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield a scratch folder beside `target`; on success it replaces `target` by renames.

    A crash inside leaves `target` as it was (the scratch folder is swept next
    time). The old folder is renamed aside before the new one moves in, and put
    back by `recover` if a crash fell between the two renames.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    scratch = target.with_name(f".{target.name}.partial")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    try:
        yield scratch
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    aside = target.with_name(f".{target.name}.old")
    if target.exists():
        os.replace(target, aside)
    os.replace(scratch, target)
    shutil.rmtree(aside, ignore_errors=True)


def recover(target: Path) -> None:
    aside = target.with_name(f".{target.name}.old")
    if not target.exists() and aside.exists():
        os.replace(aside, target)


def write_bundle(
    target: Path,
    onnx_dir: Path,
    onnx_file: str,
    meta: dict,
    guidelines: tuple[str, str],
    metrics: dict,
    card: str,
) -> Path:
    """Assemble the bundle at `target` from an export folder (`onnx_dir`) and what describes it.
    `guidelines` is (file name, text)."""
    with atomic_directory(target) as scratch:
        shutil.copy2(onnx_dir / onnx_file, scratch / MODEL_FILE)
        for name in SERVING_FILES:
            if (onnx_dir / name).exists():
                shutil.copy2(onnx_dir / name, scratch / name)
        (scratch / META).write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
        (scratch / guidelines[0]).write_text(guidelines[1], encoding="utf-8")
        (scratch / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str), encoding="utf-8")
        (scratch / "README.md").write_text(card, encoding="utf-8")
        write_manifest(scratch)
    return target


def write_manifest(directory: Path) -> None:
    lines = [f"{_sha256(path)}  {path.relative_to(directory).as_posix()}" for path in _files(directory)]
    (directory / MANIFEST).write_text("\n".join(lines) + "\n", encoding="utf-8")


def verify_bundle(directory: Path) -> list[str]:
    """Problems with a bundle: missing manifest, missing, changed or unlisted files. Empty: intact."""
    directory = Path(directory)
    manifest = directory / MANIFEST
    if not manifest.exists():
        return [f"{manifest}: missing (not a distil bundle, or a partial one)"]
    problems, listed = [], set()
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        digest, _, name = line.partition("  ")
        listed.add(name)
        path = directory / name
        if not path.is_file():
            problems.append(f"{manifest}:{number}: {name} is missing")
        elif _sha256(path) != digest:
            problems.append(f"{manifest}:{number}: {name} does not match its checksum")
    for path in _files(directory):
        if path.relative_to(directory).as_posix() not in listed:
            problems.append(f"{path}: not in the manifest")
    return problems


def read_meta(directory: Path) -> dict:
    path = Path(directory) / META
    if not path.exists():
        raise BundleError(f"{path}: missing (export the model first: distil export)")
    return json.loads(path.read_text(encoding="utf-8"))


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
