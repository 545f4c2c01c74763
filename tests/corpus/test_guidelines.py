"""Guidelines: the shipped sets load, bad files are reported by line, renders agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.guideline_files import builtin_names, load_guidelines
from corpus.guideline_model import GuidelinesError
from corpus.guidelines_render import render_markdown, render_text
from corpus.markup_syntax import parse_markup
from corpus.model import Span

GOOD = """---
name: tiny
labels: [PER, LOC]
---

## General rules
- Mark names only.

## PER — Person
### Definition
People's names. Also nicknames.
### Rules
- Titles stay outside: "Dr. [Who](PER)".
### Examples
- [Ada Lovelace](PER) lived in [London](LOC). — both marked
### Counter-examples
- The {doctor} left. — a role

## LOC — Location
### Definition
Places.
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "g.md"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["general", "pii", "disease", "social", "ai", "literature"])
def test_shipped_sets_load_with_a_section_per_label(name):
    guidelines = load_guidelines(name)
    assert guidelines.labels and all(label.definition for label in guidelines.labels)
    assert all(label.examples for label in guidelines.labels), "every label shows at least one example"
    for example in guidelines.examples():
        for span in example.spans:
            span.check(example.text)
            assert span.label in guidelines.label_names


def test_builtin_names_lists_every_set():
    assert {"general", "pii", "disease", "social", "ai", "literature"} <= set(builtin_names())


def test_parsed_structure(tmp_path):
    g = load_guidelines(write(tmp_path, GOOD))
    assert g.label_names == ("PER", "LOC")
    per = g.label("PER")
    assert per.title == "Person" and per.summary == "People's names."
    (example,) = per.examples
    assert example.text == "Ada Lovelace lived in London."
    assert example.spans == (Span(0, 12, "PER"), Span(22, 28, "LOC"))
    assert example.note == "both marked" and example.line == 15
    (counter,) = per.counter_examples
    assert counter.negatives == (Span(4, 10, "PER"),) and counter.note == "a role"
    assert [s.title for s in g.general] == ["General rules"]


def test_version_is_a_hash_of_the_content(tmp_path):
    first = load_guidelines(write(tmp_path, GOOD)).version
    assert load_guidelines(write(tmp_path, GOOD)).version == first
    assert load_guidelines(write(tmp_path, GOOD.replace("Places.", "Named places."))).version != first


@pytest.mark.parametrize(
    ("edit", "line", "message"),
    [
        (lambda t: t.replace("(LOC). —", "(LCO). —"), 15, "unknown label 'LCO'"),
        (lambda t: t.replace("People's names. Also nicknames.\n", ""), 9, "PER has no '### Definition' text"),
        (
            lambda t: t.replace("## LOC — Location", "## LCO — Location"),
            3,
            "LOC is declared but has no '## LOC' section",
        ),
        (lambda t: t.replace("The {doctor} left.", "The doctor left."), 17, "with {braces}"),
        (lambda t: t.replace("[Ada Lovelace](PER)", "[Ada Lovelace(PER)"), 15, "unbalanced markup"),
        (lambda t: t.replace("### Rules", "### Rulez"), 12, "unknown subsection 'Rulez'"),
        (lambda t: t.replace("labels: [PER, LOC]", "labels: [PER, LOC"), 3, "not valid YAML"),
        (lambda t: t.replace("---\nname", "name", 1), 1, "starts with a '---' header"),
    ],
)
def test_errors_name_file_and_line(tmp_path, edit, line, message):
    path = write(tmp_path, edit(GOOD))
    with pytest.raises(GuidelinesError) as error:
        load_guidelines(path)
    assert f"{path}:{line}: " in str(error.value)
    assert message in str(error.value)


def test_all_problems_are_reported_at_once(tmp_path):
    bad = GOOD.replace("(LOC). —", "(LCO). —").replace("Places.\n", "")
    with pytest.raises(GuidelinesError) as error:
        load_guidelines(write(tmp_path, bad))
    assert len(error.value.problems) == 2


def test_unknown_builtin_says_which_exist():
    with pytest.raises(FileNotFoundError, match="general"):
        load_guidelines("no-such-set")


def test_markup_parsing_keeps_offsets():
    text, spans, negatives = parse_markup("[Paris](LOC) is {big}, [Anne Marie](PER)!")
    assert text == "Paris is big, Anne Marie!"
    assert [text[s.start : s.end] for s in spans] == ["Paris", "Anne Marie"]
    assert [text[s.start : s.end] for s in negatives] == ["big"]


def test_both_renders_carry_the_same_rules_and_examples():
    g = load_guidelines("general")
    teacher, annotators = render_text(g), render_markdown(g)
    for label in g.labels:
        assert label.definition in teacher and label.definition in annotators
        for example in label.examples:
            assert example.text in teacher
    assert "](" not in annotators and "](" not in teacher, "raw markup never reaches readers"
    assert g.version in annotators


def test_brief_render_is_one_line_per_label():
    g = load_guidelines("pii")
    brief = render_text(g, "brief")
    assert sum(line.startswith("- ") for line in brief.splitlines()) == len(g.labels)
    assert "Example" not in brief
