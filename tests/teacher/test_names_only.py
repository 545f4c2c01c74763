"""`teacher.names_only`: for guidelines whose entities are capitalised names (the built-in
general set says `names: capitalized`), spans are trimmed to the words that can bound a name and
lowercase phrases, dates and numbers are dropped. The small teachers' errors on wikigold were
mostly such spans (BENCHMARKS.md "Teacher techniques")."""

from __future__ import annotations

import asyncio

import pytest

from corpus.guideline_files import load_guidelines
from corpus.model import AnnotatorKind, Document
from corpus.store import Store
from teacher.annotate import TeacherRun
from teacher.config import TeacherConfig
from teacher.endpoint import OpenAIEndpoint
from teacher.localize import NOT_A_NAME, localize, name_bounds
from teacher.schema import Entity

GENERAL = load_guidelines("general")


def bounded(text: str) -> str | None:
    bounds = name_bounds(text, 0, len(text))
    return None if bounds is None else text[bounds[0] : bounds[1]]


@pytest.mark.parametrize(
    "span, name",
    [
        ("the 102d PVI", "102d PVI"),  # words with digits and letters can bound a name
        ("engine of the Reading train", "Reading"),
        ("1896 Atlantic City rail crash", "Atlantic City"),  # a bare year does not
        ("Germany's", "Germany"),  # the possessive stays outside
        ("The Hague", "The Hague"),  # a capitalised article is part of the name
        ("The engineer", None),  # ... not when the sentence opens with it
        ("In Paris", "Paris"),
        ("Battle of Sayler 's Creek", "Battle of Sayler 's Creek"),  # lowercase inside is kept
        ("139th", "139th"),
        ("most of the tracks", None),
        ("September 1 , 1862", None),  # only a date
        ("5:40 pm", None),
        ("July", None),
        ("2,000", None),
    ],
)
def test_name_bounds(span, name):
    assert bounded(span) == name


def test_filtered_spans_are_counted_apart_from_invalid_ones():
    text = "The engineer of the Reading train saw Ann."
    entities = [
        Entity(text="The engineer", label="PER"),
        Entity(text="Reading train", label="ORG"),
        Entity(text="Ann", label="PER"),
        Entity(text="Bob", label="PER"),  # not in the text: invalid
    ]
    located = localize(text, entities, GENERAL.label_names, names_only=True)
    assert [(text[s.start : s.end], s.label) for s in located.spans] == [("Reading", "ORG"), ("Ann", "PER")]
    assert located.dropped[NOT_A_NAME] == 1 and located.invalid == 1
    kept_all = localize(text, entities, GENERAL.label_names)
    assert len(kept_all.spans) == 3, "off: every located span stays as the model wrote it"


def test_the_guidelines_header_decides_when_unset():
    assert GENERAL.capitalized_names and not load_guidelines("pii").capitalized_names


def test_the_switch_is_in_the_cache_key_only_when_set():
    unset = TeacherConfig().sampling_key()
    assert TeacherConfig(names_only=True).sampling_key() != unset
    assert TeacherConfig(names_only=False).sampling_key() != unset
    assert TeacherConfig(names_only=True).sampling_key() != TeacherConfig(names_only=False).sampling_key()


@pytest.mark.parametrize("names_only, expected", [(None, ["Reading", "Ann"]), (False, None)])
def test_a_run_on_the_general_guidelines_trims_by_default(db_url, fake, names_only, expected):
    doc = Document("The engineer of the Reading train saw Ann.")
    fake.answers["Reading"] = [
        {"text": "The engineer", "label": "PER"},
        {"text": "Reading train", "label": "ORG"},
        {"text": "Ann", "label": "PER"},
    ]
    config = TeacherConfig(samples=1, concurrency=1, ensemble="off", few_shot=0, names_only=names_only)
    endpoint = OpenAIEndpoint(fake.url, "fake-teacher", mode=config.mode, timeout_s=5.0)
    with Store(db_url) as store:
        store.add_documents([doc])
        summary = asyncio.run(TeacherRun(store, GENERAL, endpoint, config).run([doc]))
        (annotation,) = store.annotations(kind=AnnotatorKind.TEACHER)
    found = [doc.text[s.start : s.end] for s in annotation.spans]
    if expected is None:
        assert found == ["The engineer", "Reading train", "Ann"]
        assert summary.dropped == {}
    else:
        assert found == expected
        assert summary.dropped == {NOT_A_NAME: 1}
    assert summary.invalid == 0 and annotation.metadata["invalid_rate"] == 0.0
