"""Label prompts: the words a student is asked for each label ("person" for PER).

A GLiNER reads its labels as text beside the sentence, so a label's words are part of the input:
an encoder has read about "programming language" and never about "programlang". The prompts are
the guidelines' label titles, lower-cased; they are stored in the model's own config
(gliner_config.json, as `label_prompts`), so every format of the model (the checkpoint, its ONNX
export, a bundle) asks with the words it was trained on and answers with the label names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from distil_runtime.prompts import asked

from corpus.guideline_model import Guidelines

CONFIG_KEY = "label_prompts"
# asked: the words to ask for some labels, shared with distil_runtime (which never imports distil)
__all__ = ["CONFIG_KEY", "PromptError", "asked", "from_guidelines", "of_folder", "of_model",
           "prompted_example", "set_on_model"]  # fmt: skip


class PromptError(ValueError):
    pass


def from_guidelines(guidelines: Guidelines, how: str) -> dict[str, str]:
    """Each label's prompt: its title ("titles"), or none at all ("names": the label is asked by
    its name). Two labels may not share a prompt: the model could not tell them apart."""
    if how == "names":
        return {}
    seen: dict[str, str] = {}
    for label in guidelines.labels:
        prompt = label.title.strip().lower() or label.name
        if prompt in seen:
            where = f"{guidelines.path}:{label.line}: " if guidelines.path else ""
            raise PromptError(
                f"{where}labels {seen[prompt]!r} and {label.name!r} would both be asked as {prompt!r}; "
                'give them distinct titles, or set [student] label_prompts = "names"'
            )
        seen[prompt] = label.name
    return {name: prompt for prompt, name in seen.items() if prompt != name}


def of_model(model) -> dict[str, str]:
    """The prompts a GLiNER model was trained with (none for a model distil did not train)."""
    return dict(getattr(model.config, CONFIG_KEY, None) or {})


def of_folder(folder: str | Path) -> dict[str, str]:
    """The prompts a saved GLiNER model was trained with, read from its gliner_config.json."""
    config = Path(folder) / "gliner_config.json"
    saved = json.loads(config.read_text(encoding="utf-8")) if config.exists() else {}
    return dict(saved.get(CONFIG_KEY) or {})


def set_on_model(model, prompts: Mapping[str, str]) -> None:
    """Record the prompts in the model's config, beside what it already had (a base's own labels)."""
    setattr(model.config, CONFIG_KEY, of_model(model) | dict(prompts))


def prompted_example(example: dict, prompts: Mapping[str, str]) -> dict:
    """A GLiNER training example (corpus.alignment.to_gliner_example) with its labels as prompts."""
    if not prompts:
        return example
    out = dict(example, ner=[[start, end, prompts.get(label, label)] for start, end, label in example["ner"]])
    if "ner_labels" in example:
        out["ner_labels"] = [prompts.get(label, label) for label in example["ner_labels"]]
    return out
