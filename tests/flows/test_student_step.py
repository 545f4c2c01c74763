"""A run skips training only when nothing would come out different: the same training set and
the same student settings. Changing the recipe (a base, the steps) trains again."""

from __future__ import annotations

import json

import pytest

from flows.project import Project
from flows.settings import load_settings
from flows.student_step import train, trained_already
from student.config import Candidate
from student.train import META_FILE
from tests.projects import wikigold_project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A project with one student (2 steps: what it learned does not matter here)."""
    config = '[student]\nmax_steps = 2\neval_every = 2\n[[student.candidates]]\nbase = "minilm"\n'
    root = wikigold_project(tmp_path_factory.mktemp("skip"), config, pool=30, validation=10)
    with Project(load_settings(root)) as project:
        [student, *_] = train(project, progress=lambda _: None)
    return root, student


def test_the_same_data_and_settings_skip_training(trained):
    root, student = trained
    with Project(load_settings(root)) as project:
        done = trained_already(project)
    assert done is not None and done.id == student.path.name


@pytest.mark.parametrize(
    "change",
    [{"max_steps": 3}, {"candidates": [Candidate(base="mpnet")]}, {"focal_share": 0.25}],
    ids=["steps", "base", "loss"],
)
def test_changed_student_settings_train_again(trained, change):
    root, _ = trained
    settings = load_settings(root)
    settings.student = settings.student.model_copy(update=change)
    with Project(settings) as project:
        assert trained_already(project) is None


def test_a_student_from_before_the_recipe_was_kept_still_counts(trained):
    """Students trained by an earlier version carry no recipe: an upgrade alone does not retrain."""
    root, student = trained
    meta = student.path / META_FILE
    kept = meta.read_text(encoding="utf-8")
    try:
        meta.write_text(json.dumps({k: v for k, v in json.loads(kept).items() if k != "recipe_hash"}))
        settings = load_settings(root)
        settings.student = settings.student.model_copy(update={"max_steps": 3})
        with Project(settings) as project:
            done = trained_already(project)
        assert done is not None and done.id == student.path.name
    finally:
        meta.write_text(kept, encoding="utf-8")


def test_a_label_asked_in_other_words_trains_again(trained):
    """A label retitled in the guidelines: the same training set, but the student read other words."""
    root, student = trained
    config = student.path / "gliner_config.json"
    kept = config.read_text(encoding="utf-8")
    try:
        saved = json.loads(kept)
        assert saved["label_prompts"], "the wikigold guidelines ask with titles"
        saved["label_prompts"] = {label: f"old {prompt}" for label, prompt in saved["label_prompts"].items()}
        config.write_text(json.dumps(saved), encoding="utf-8")
        with Project(load_settings(root)) as project:
            assert trained_already(project) is None
    finally:
        config.write_text(kept, encoding="utf-8")
