"""The student's recipe hash: what `distil train` compares to skip a student trained on the same data
and settings. A setting added to distil must not retrain every project where it is left as it was."""

from __future__ import annotations

from student.config import Candidate, StudentConfig

# StudentConfig().recipe_hash() as distil recorded it before `human_weight` and
# `teacher_dev_tolerance` existed (f24a1c6): the students trained then carry it.
BEFORE_HUMAN_WEIGHT = "22a69ff07bb8"
AS_BEFORE = {"teacher_dev_tolerance": 0.0}  # the new settings, at what distil did before them


def test_a_setting_added_later_leaves_the_recipe_as_it_was_where_it_trains_as_before():
    assert StudentConfig(**AS_BEFORE).recipe_hash() == BEFORE_HUMAN_WEIGHT
    weighted = StudentConfig(candidates=[Candidate(human_weight=3)], **AS_BEFORE)
    assert weighted.recipe_hash() != BEFORE_HUMAN_WEIGHT
    # the default now chooses thresholds otherwise on a teacher-labelled dev: that retrains once
    assert StudentConfig().recipe_hash() != BEFORE_HUMAN_WEIGHT


def test_any_setting_changed_changes_the_recipe():
    changed = [StudentConfig(max_steps=601, **AS_BEFORE),
               StudentConfig(candidates=[Candidate(teacher_floor=0.3)], **AS_BEFORE),
               StudentConfig(candidates=[Candidate(), Candidate(human_weight=2)], **AS_BEFORE)]  # fmt: skip
    hashes = {config.recipe_hash() for config in changed}
    assert len(hashes) == len(changed) and BEFORE_HUMAN_WEIGHT not in hashes
