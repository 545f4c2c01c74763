"""`distil evaluate` on a student taught by a teacher that misses most entities: the scores say so,
and the advice to train on fewer of its negatives is printed (a real student, real scoring)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus.model import Annotation, Annotator, AnnotatorKind, Split
from flows.cli.app import app
from flows.project import Project
from flows.settings import load_settings
from student.evaluate import held_out_set
from student.train import META_FILE

pytestmark = pytest.mark.slow


def copy_with_a_teacher(trained_students, tmp_path, keep_one_in: int) -> tuple[Path, Path]:
    """The project copied, its validation documents labelled by a teacher that keeps one gold entity
    in `keep_one_in`, and the good student marked as trained mostly on that teacher's labels."""
    root, good, _ = trained_students
    copy = Path(shutil.copytree(root, tmp_path / "project", symlinks=True))
    student = copy / good.path.relative_to(root)
    meta = json.loads((student / META_FILE).read_text())
    meta["counts"] = {"teacher": 200, "human": 40}  # as if: only its counts say so to evaluate
    (student / META_FILE).write_text(json.dumps(meta))
    with Project(load_settings(copy)) as project:
        held = held_out_set(project.store, Split.VALIDATION, tuple(meta["labels"]))
        teacher = Annotator(AnnotatorKind.TEACHER, "local:forgetful")
        gold = [span for spans in held.gold for span in spans]
        kept = {span for i, span in enumerate(gold) if i % keep_one_in == 0}
        project.store.save_annotations([
            Annotation(document.id, teacher, [s for s in spans if s in kept], confidence=0.9)
            for document, spans in zip(held.documents, held.gold, strict=True)
        ])  # fmt: skip
    return copy, student


@pytest.mark.parametrize(("keep_one_in", "advised"), [(5, True), (1, False)])
def test_evaluate_advises_fewer_negatives_only_where_the_teacher_misses_most(
    trained_students, tmp_path, keep_one_in, advised
):
    copy, student = copy_with_a_teacher(trained_students, tmp_path, keep_one_in)
    result = CliRunner().invoke(app, ["evaluate", str(student), "-p", str(copy)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert ("The teacher found 2" in said) is advised, said  # one entity in 5: about 20%
    assert ("try `teacher_negatives = 0.5`" in said) is advised
    reports = student / "evaluation-validation"
    for report in (reports / "report.md", reports / "report.html"):  # kept beside the model
        assert ("Advice:" in report.read_text()) is advised, report
    assert ("try `teacher_negatives = 0.5`" in (reports / "report.md").read_text()) is advised
