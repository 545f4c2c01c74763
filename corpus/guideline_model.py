"""The parsed form of a guidelines file: labels with their definition, rules, examples,
counter-examples and edge cases, and the sections that apply to every label (what
corpus/guideline_files.py reads, and the prompt and Argilla render)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import InputError
from corpus.model import Span


class GuidelinesError(InputError):
    """Every problem found in a guidelines file, each with its file and line."""


@dataclass(frozen=True, slots=True)
class Example:
    """An example sentence. `spans` are its entities; `negatives` the strings
    marked `{...}` that must not be labelled (their label is the section's)."""

    text: str
    spans: tuple[Span, ...]
    negatives: tuple[Span, ...] = ()
    note: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class LabelGuide:
    name: str
    title: str
    definition: str
    rules: tuple[str, ...]
    examples: tuple[Example, ...]
    counter_examples: tuple[Example, ...]
    edge_cases: tuple[str, ...]
    line: int

    @property
    def summary(self) -> str:
        """The definition's first sentence: the one-line label description."""
        first = re.split(r"(?<=[.!?])\s", self.definition, maxsplit=1)[0]
        return first


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Guidelines:
    name: str
    title: str
    description: str
    labels: tuple[LabelGuide, ...]
    general: tuple[Section, ...]
    version: str  # sha256 of the file's bytes, first 12 hex digits
    source: str  # the file's full text: snapshots and Argilla show it as written
    path: Path | None = None
    # header `names: capitalized`: every entity is a name written with a capital (English proper
    # names); the teacher may then trim spans to their capitalised words (teacher.names_only)
    capitalized_names: bool = False

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels)

    def label(self, name: str) -> LabelGuide:
        for label in self.labels:
            if label.name == name:
                return label
        raise KeyError(name)

    def examples(self) -> list[Example]:
        return [example for label in self.labels for example in label.examples]
