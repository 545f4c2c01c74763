"""A real, tiny CPU training run on a slice of a real corpus: the student learns, the
winner is kept with its log and threshold, and `distil train` / `distil evaluate` work."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from flows.cli.app import app
from student.train import TrainedStudent
from tests.projects import wikigold_project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """wikigold: 360 sentences with their human labels in the pool, 80 held out for validation."""
    config = (
        'guidelines = "general"\n[student]\nmax_steps = 160\neval_every = 40\npatience = 10\n'
        "threshold_tolerance = 0.02\n"
    )
    return wikigold_project(tmp_path_factory.mktemp("student"), config, pool=360, validation=80)


def test_train_then_evaluate(project):
    runner = CliRunner()
    result = runner.invoke(app, ["train", "-p", str(project)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    students = sorted((project / ".distil" / "students").glob("*-*"))
    students = [s for s in students if s.name != "runs"]
    assert len(students) == 1
    student = TrainedStudent.load(students[0])
    # it learns: dev F1 well above the untrained model's on the same real dev documents
    assert student.untrained_dev_f1 < 0.05
    assert student.dev_f1 > student.untrained_dev_f1 + 0.1, student.log
    assert [entry["step"] for entry in student.log] == [0, 40, 80, 120, 160]
    # the setting is read: dev's near-ties (within 0.02 of its best F1) go to the lowest threshold
    top = max(f1 for _, f1 in student.threshold_curve)
    assert student.threshold == min(t for t, f1 in student.threshold_curve if f1 >= top - 0.02 - 1e-9)
    assert len(student.threshold_curve) == 9 and student.device == "cpu"
    assert len(student.training_set_hash) == 16 and student.counts["human"] == 360
    assert (students[0] / "gliner_config.json").exists()

    result = runner.invoke(app, ["evaluate", "-p", str(project)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = students[0] / "evaluation-validation"
    metrics = json.loads((report / "metrics.json").read_text())
    assert metrics["teacher"] is None, "no teacher labels on the validation set in this test"
    assert 0.1 < metrics["student"]["micro"]["f1"] <= 1.0
    low, high = metrics["student"]["f1_interval"]
    assert low <= metrics["student"]["micro"]["f1"] <= high
    for plot in ("per_label_f1.png", "confusion.png", "threshold.png"):
        assert (report / plot).stat().st_size > 1000
    markdown = (report / "report.md").read_text()
    assert "| student | " in markdown and f"**{metrics['student']['micro']['f1']:.3f}**" in markdown
    # the threshold's cost, held out: read at the chosen threshold, the held-out curve is the
    # student's own score (one decoding, each threshold a filter)
    sweep = json.loads((report / "threshold.json").read_text())
    assert sweep["chosen"] == student.threshold and sweep["dev"] == [list(p) for p in student.threshold_curve]
    held_out = dict(map(tuple, sweep["held_out"]))
    assert list(held_out) == [t for t, _ in student.threshold_curve]  # the same grid
    assert held_out[student.threshold] == pytest.approx(metrics["student"]["micro"]["f1"], abs=1e-4)
    assert f"Threshold chosen on dev: {student.threshold};" in markdown
    assert f"Threshold chosen on dev: {student.threshold};" in result.output  # evaluate says it too


def test_the_loss_settings_reach_gliners_trainer(tmp_path):
    """What [student] says of the loss is what gliner's Trainer computes with."""
    from student.config import Candidate, StudentConfig
    from student.train import training_arguments

    config = StudentConfig(focal_loss_alpha=0.6, focal_loss_gamma=0.5, negative_sampling=0.3)
    arguments = training_arguments(Candidate(head_learning_rate=2e-3), config, tmp_path, cuda=False)
    assert (arguments.focal_loss_alpha, arguments.focal_loss_gamma) == (0.6, 0.5)
    assert arguments.negatives == 0.3 and arguments.masking == "global"  # sampled over all pairs
    assert arguments.others_lr == 2e-3 and arguments.max_steps == config.max_steps
