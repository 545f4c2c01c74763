"""The demo is sealed: it never writes into another project, and nothing in the environment
points it at a team's endpoint, key, database, Argilla or production path."""

from __future__ import annotations

import os

import pytest

from flows.cli.entry import main
from flows.cli.run_commands import SEALED, seal_environment
from flows.demo_run import DEMO_CONFIG, EARLIER_DEMO_CONFIGS, DemoFolderError, setup


def test_the_demo_refuses_a_folder_that_holds_another_project(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DISTIL_LOG_DIR", str(tmp_path / "logs"))
    project = tmp_path / "team"
    with pytest.raises(SystemExit):
        main(["init", str(project)])
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    with pytest.raises(SystemExit) as exited:
        main(["demo", str(project)])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert "holds another distil project" in err and "Traceback" not in err
    after = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    assert after == before, "nothing in the project was touched"


def test_the_demo_refuses_a_folder_with_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(DemoFolderError, match="not empty"):
        setup(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_the_demo_runs_again_in_its_own_folder(tmp_path):
    setup(tmp_path / "demo")
    assert (tmp_path / "demo" / "distil.toml").read_text(encoding="utf-8") == DEMO_CONFIG
    setup(tmp_path / "demo")  # a second run of the demo is welcome


def test_a_demo_folder_an_earlier_version_made_runs_on_the_base_pinned_now(tmp_path):
    demo = tmp_path / "demo"
    demo.mkdir()
    (demo / "distil.toml").write_text(EARLIER_DEMO_CONFIGS[0], encoding="utf-8")
    settings = setup(demo)
    assert (demo / "distil.toml").read_text(encoding="utf-8") == DEMO_CONFIG
    # online, "auto" would fetch and train the hub's larger GLiNER: the demo keeps README's time
    assert [c.base for c in settings.student.candidates] == ["minilm"]


def test_variables_that_point_elsewhere_are_ignored_and_named(monkeypatch):
    pointing = {
        "DISTIL_TEACHER__BASE_URL": "https://api.openai.com/v1",
        "DISTIL_TEACHER__API_KEY": "sk-team",
        "OPENAI_API_KEY": "sk-team",
        "DISTIL_DATABASE_URL": "postgresql+psycopg://team@db/distil",
        "ARGILLA_API_URL": "http://argilla:6900",
        "DISTIL_EXPORT__PRODUCTION_PATH": "/srv/models/production",
    }
    for name, value in pointing.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DISTIL_STUDENT__MAX_STEPS", "30")  # tuning the embedded run still applies
    ignored = seal_environment()
    assert ignored == sorted(pointing)
    assert not any(name in os.environ for name in SEALED)
    assert os.environ["DISTIL_STUDENT__MAX_STEPS"] == "30"
