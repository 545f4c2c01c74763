"""Label prompts: the guidelines' titles become the words a student is asked with, they travel in
the model's own config, and answers come back by label name."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.guideline_files import load_guidelines
from student.predict import predict
from student.prompts import PromptError, asked, from_guidelines, of_model, prompted_example, set_on_model

SHARED_TITLE = """---
name: clash
labels: [writer, author]
---

## writer — Person who writes
### Definition
Someone who writes.

## author — Person who writes
### Definition
Someone who wrote this.
"""


def test_titles_become_prompts_and_labels_already_in_words_stay_as_they_are():
    prompts = from_guidelines(load_guidelines("ai"), "titles")
    assert prompts["programlang"] == "programming language"
    assert prompts["misc"] == "other named things"
    assert "researcher" not in prompts  # titled "Researcher": asked by its name already
    assert from_guidelines(load_guidelines("general"), "titles") == {
        "PER": "person", "ORG": "organisation", "LOC": "location", "MISC": "miscellaneous",
    }  # fmt: skip
    assert from_guidelines(load_guidelines("ai"), "names") == {}


def test_two_labels_with_one_title_are_refused_with_the_file_and_line(tmp_path: Path):
    path = tmp_path / "clash.md"
    path.write_text(SHARED_TITLE, encoding="utf-8")
    with pytest.raises(PromptError) as refused:
        from_guidelines(load_guidelines(str(path)), "titles")
    message = str(refused.value)
    assert f"{path}:10:" in message and "'writer' and 'author'" in message
    assert 'label_prompts = "names"' in message  # what to do instead


def test_asked_words_stay_distinct_and_lead_back_to_the_names():
    words, name_of = asked(["PER", "LOC", "person"], {"PER": "person", "LOC": "location"})
    assert words == ["PER", "location", "person"]  # "person" is asked for itself: PER by its name
    assert [name_of[w] for w in words] == ["PER", "LOC", "person"]
    assert asked(["ORG"], {"PER": "person"}) == (["ORG"], {"ORG": "ORG"})  # no prompt: its name


def test_a_training_example_carries_the_prompts_for_spans_and_negatives():
    example = {"tokenized_text": ["Ada", "met", "IBM"], "ner": [[0, 0, "PER"], [2, 2, "ORG"]],
               "ner_labels": ["PER", "ORG", "LOC"]}  # fmt: skip
    out = prompted_example(example, {"PER": "person", "LOC": "location"})
    assert out["ner"] == [[0, 0, "person"], [2, 2, "ORG"]]
    assert out["ner_labels"] == ["person", "ORG", "location"]
    assert example["ner"][0][2] == "PER"  # the original is untouched


@pytest.fixture(scope="module")
def prompted_base(tmp_path_factory):
    """The offline base with prompts set, saved and loaded back as a checkpoint is."""
    from gliner import GLiNER

    from student.backbone import load_base

    model = load_base("minilm")
    set_on_model(model, {"PER": "person", "LOC": "location"})
    folder = tmp_path_factory.mktemp("prompted")
    model.save_pretrained(str(folder))
    return GLiNER.from_pretrained(str(folder), local_files_only=True)


def test_prompts_are_kept_in_the_checkpoint_and_merged_with_a_bases_own(prompted_base):
    assert of_model(prompted_base) == {"PER": "person", "LOC": "location"}
    set_on_model(prompted_base, {"ORG": "organisation"})
    assert of_model(prompted_base) == {"PER": "person", "LOC": "location", "ORG": "organisation"}


def test_predict_asks_in_the_prompts_words_and_answers_by_name(prompted_base):
    texts = ["Ada Lovelace was born in London and worked with Charles Babbage in Marylebone."]
    got = predict(prompted_base, texts, ["PER", "LOC"], 0.01)[0]
    direct = predict(prompted_base, texts, ["person", "location"], 0.01)[0]  # no prompt: asked as is
    assert got, "an untrained head still scores some span above 0.01"
    rename = {"person": "PER", "location": "LOC"}
    assert [(s.start, s.end, s.label, s.score) for s in got] == [
        (s.start, s.end, rename[s.label], s.score) for s in direct
    ]
