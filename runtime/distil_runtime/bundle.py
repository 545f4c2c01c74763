"""What a folder holds for serving: the ONNX file, GLiNER's config, the tokenizer and, in a distil
bundle, distil_bundle.json (labels, threshold, windows, provenance)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

MODEL_FILE = "model.onnx"
META = "distil_bundle.json"
CONFIG = "gliner_config.json"
TOKENIZER = "tokenizer.json"


class BundleError(ValueError):
    """A folder that cannot be served, with the file that says why."""


@dataclass(frozen=True)
class ModelConfig:
    """The parts of gliner_config.json that inference depends on."""

    max_width: int
    max_len: int
    ent_token: str
    sep_token: str
    subtoken_pooling: str = "first"
    span_mode: str = "markerV0"
    words_splitter_type: str = "whitespace"
    # the words the model was trained to be asked with, per label name ({"PER": "person"}); a
    # label without one is asked by its name
    label_prompts: dict = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> ModelConfig:
        raw = _json(path)
        config = cls(
            max_width=int(raw.get("max_width", 12)),
            max_len=int(raw.get("max_len", 384)),
            ent_token=raw.get("ent_token", "[ENT]"),
            sep_token=raw.get("sep_token", "[SEP]"),
            subtoken_pooling=raw.get("subtoken_pooling") or "first",
            span_mode=raw.get("span_mode", "markerV0"),
            words_splitter_type=raw.get("words_splitter_type", "whitespace"),
            label_prompts={str(k): str(v) for k, v in (raw.get("label_prompts") or {}).items()},
        )
        if config.span_mode == "token_level" or raw.get("labels_encoder") or raw.get("labels_decoder"):
            raise BundleError(f"{path}: only uni-encoder span GLiNER models are supported")
        if config.words_splitter_type != "whitespace":
            raise BundleError(
                f"{path}: words_splitter_type {config.words_splitter_type!r} is not supported "
                "(whitespace only)"
            )
        return config


@dataclass(frozen=True)
class BundleFiles:
    folder: Path  # resolved: a production link is followed once, when loaded
    model: Path
    config: ModelConfig
    meta: dict = field(default_factory=dict)  # empty for a folder gliner exported without distil

    @classmethod
    def open(cls, folder: Path | str, onnx_file: str | None = None) -> BundleFiles:
        given = Path(folder).expanduser()
        resolved = given.resolve()
        if not resolved.is_dir():
            raise BundleError(f"{given}: no such bundle folder")
        meta = _json(resolved / META) if (resolved / META).exists() else {}
        model = resolved / (onnx_file or MODEL_FILE)
        for needed in (model, resolved / CONFIG, resolved / TOKENIZER):
            if not needed.is_file():
                raise BundleError(f"{needed}: missing (not an exported model folder)")
        return cls(resolved, model, ModelConfig.read(resolved / CONFIG), meta)

    @property
    def model_id(self) -> str:
        return self.meta.get("model_id") or self.folder.name


def _json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BundleError(f"{path}: unreadable ({error})") from error
    if not isinstance(value, dict):
        raise BundleError(f"{path}: not a JSON object")
    return value
