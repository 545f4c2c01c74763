"""The `distil` executable as a user meets it: every mistake and fault ends in one line that says
what and where (details in the log it names), a non-zero exit, and nothing created or lost."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli.entry import main
from teacher.scripted_server import FakeOpenAI


@pytest.fixture(autouse=True)
def logs(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTIL_LOG_DIR", str(tmp_path / "logs"))
    for name in ("DISTIL_DATABASE_URL", "DISTIL_TEACHER__BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "logs"


def distil(capsys, *args) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `distil ARGS`, run in this process through the real entry."""
    with pytest.raises(SystemExit) as exited:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return exited.value.code or 0, out.out, out.err


@pytest.fixture
def project(tmp_path, capsys):
    code, _, err = distil(capsys, "init", tmp_path / "p")
    assert code == 0, err
    return tmp_path / "p"


def error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    assert lines and lines[0].startswith("error: "), err
    return lines[0]


def test_a_command_outside_a_project_creates_nothing(tmp_path, capsys):
    code, _, err = distil(capsys, "status", "-p", tmp_path / "typo")
    assert code == 2
    assert "no distil project in" in error_line(err) and "distil init" in err
    assert not (tmp_path / "typo").exists()


def test_a_missing_input_path_exits_non_zero(project, capsys):
    code, _, err = distil(capsys, "ingest", project / "missing.txt", "-p", project)
    assert code == 2 and "no such file or folder" in error_line(err) and "missing.txt" in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["annotate", "--samples", "0"],
            "Invalid value for '--samples': Input should be greater than or equal to 1",
        ),
        (
            ["annotate", "--concurrency", "0"],
            "Invalid value for '--concurrency': Input should be greater than or equal to 1",
        ),
        (
            ["annotate", "--limit", "-1"],
            "Invalid value for '--limit': Input should be greater than or equal to 1",
        ),
        (
            ["train", "--max-steps", "0"],
            "Invalid value for '--max-steps': Input should be greater than or equal to 1",
        ),
    ],
)
def test_options_take_the_configs_bounds(project, capsys, args, words):
    code, out, err = distil(capsys, *args, "-p", project)
    shown = " ".join(re.sub("[│╭╮╰╯─]", " ", out + err).split())  # typer's box, wrapped
    assert code == 2 and words in shown


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ("[teacher]\nsamplez = 3\n", "unknown key 'teacher.samplez' (did you mean teacher.samples?)"),
        ("[teachr]\nsamples = 3\n", "unknown key 'teachr' (did you mean teacher?)"),
        ('[[student.candidates]]\nbase = "minilm"\nlr = 1\n', "unknown key 'student.candidates[0].lr'"),
        ('[teacher]\nsamples = "three"\n', "teacher.samples: Input should be a valid integer"),
        ("[teacher]\nsamples = 0\n", "teacher.samples: Input should be greater than or equal to 1 (got 0)"),
        (
            '[review]\norder = "loudest"\n',
            "review.order: Input should be 'confidence' or 'doubt' (got 'loudest')",
        ),
    ],
)
def test_config_mistakes_name_the_key_and_the_file(project, capsys, toml, words):
    config = project / "distil.toml"
    config.write_text('guidelines = "general"\n' + toml, encoding="utf-8")
    code, out, err = distil(capsys, "status", "-p", project)
    assert code == 2
    assert f"{config}: " in err and words in err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2


def test_a_password_in_the_config_files_database_url_is_refused(project, capsys):
    config = project / "distil.toml"
    config.write_text(
        'database_url = "postgresql+psycopg://distil:hunter2@db/distil"\n' + config.read_text(),
        encoding="utf-8",
    )
    code, _, err = distil(capsys, "status", "-p", project)
    assert code == 2 and "database_url holds a password" in error_line(err) and "hunter2" not in err


def test_a_corrupt_store_is_one_line(project, capsys):
    (project / ".distil" / "distil.db").write_bytes(b"this is not SQLite " * 100)
    code, _, err = distil(capsys, "status", "-p", project)
    line = error_line(err)
    assert code == 1 and "store: file is not a database" in line and "damaged" in line


def test_an_unreachable_database_is_one_line(project, capsys, monkeypatch):
    monkeypatch.setenv("DISTIL_DATABASE_URL", "postgresql+psycopg://distil:pw-secret@127.0.0.1:9/distil")
    code, _, err = distil(capsys, "status", "-p", project)
    line = error_line(err)
    assert code == 1 and line.startswith("error: store: ") and "unreachable" in line
    assert "pw-secret" not in err


@pytest.mark.slow
def test_a_held_lock_is_one_line_without_document_text(project, capsys, tmp_path):
    raw = tmp_path / "raw.txt"
    raw.write_text("A confidential sentence about Ada.\n", encoding="utf-8")
    assert distil(capsys, "ingest", raw, "-p", project)[0] == 0
    raw.write_text("Another confidential sentence about Ada.\n", encoding="utf-8")
    holder = sqlite3.connect(project / ".distil" / "distil.db")
    holder.execute("BEGIN EXCLUSIVE")  # another writer, holding the lock past the 30 s busy timeout
    try:
        code, _, err = distil(capsys, "ingest", raw, "-p", project)
    finally:
        holder.rollback()
        holder.close()
    line = error_line(err)
    assert code == 1 and "database is locked" in line and "another distil process" in line
    assert "confidential" not in err


@pytest.fixture
def refusing():
    server = FakeOpenAI(script={"Document": [{"status": 401, "message": "Incorrect API key"}] * 50})
    server.url = server.start()
    yield server
    server.stop()


def installed_distil(*args, env: dict) -> subprocess.CompletedProcess:
    """The `distil` script pip installed, in a process of its own: what a user's shell runs."""
    script = Path(sys.executable).with_name("distil")
    return subprocess.run(
        [str(script), *map(str, args)], capture_output=True, text=True, env={**os.environ, **env}, timeout=300
    )


def _with_raw(project, capsys, tmp_path, lines: int) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text("".join(f"Document {i} is about Paris.\n" for i in range(lines)), encoding="utf-8")
    assert distil(capsys, "ingest", raw, "-p", project)[0] == 0


def test_a_wrong_api_key_stops_annotate_after_one_call(project, capsys, tmp_path, refusing):
    _with_raw(project, capsys, tmp_path, 30)
    env = {"DISTIL_TEACHER__BASE_URL": refusing.url, "DISTIL_TEACHER__MODEL": "fake-teacher",
           "DISTIL_TEACHER__API_KEY": "sk-wrong-key"}  # fmt: skip
    result = installed_distil("annotate", "--concurrency", "8", "-p", project, env=env)
    line = error_line(result.stderr)
    assert result.returncode == 1 and "refused the API key (401)" in line and "nothing more was sent" in line
    assert len(refusing.requests) == 1
    assert "sk-wrong-key" not in result.stderr + result.stdout


def test_failed_documents_make_annotate_exit_non_zero_grouped_by_reason(
    project, capsys, tmp_path, monkeypatch
):
    fake = FakeOpenAI(
        answers={"": [{"text": "Paris", "label": "LOC", "occurrence": 1}]},
        script={f"Document {i} ": [{"arguments": "not json"}] * 10 for i in (1, 2)},
    )
    fake.url = fake.start()
    try:
        _with_raw(project, capsys, tmp_path, 4)
        env = {"DISTIL_TEACHER__BASE_URL": fake.url, "DISTIL_TEACHER__MODEL": "fake-teacher"}
        result = installed_distil("annotate", "--samples", "1", "-p", project, env=env)
    finally:
        fake.stop()
    assert result.returncode == 1
    assert "2 of 4 documents failed: 2 x malformed output after retries" in error_line(result.stderr)
    assert "newly annotated" in result.stdout, "the run summary is still shown"
    assert "it/s" not in result.stdout + result.stderr, "no library progress bars between distil's lines"


def test_the_installed_script_prints_one_line_and_logs_the_details(tmp_path, logs):
    script = Path(sys.executable).with_name("distil")
    result = subprocess.run(
        [str(script), "status", "-p", str(tmp_path / "nowhere")],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "DISTIL_LOG_DIR": str(logs),
                                             "HOME": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], "one line"
    assert result.stderr.startswith("error: no distil project in")


def test_an_unexpected_failure_is_one_line_naming_the_log(project, capsys, monkeypatch, logs):
    def boom(*args, **kwargs):
        raise KeyError("deep inside")

    monkeypatch.setattr("flows.cli.status_command.project_status", boom)
    code, _, err = distil(capsys, "status", "-p", project)
    line = error_line(err)
    assert code == 1 and "unexpected KeyError: 'deep inside'" in line
    log = Path(line.rsplit("(details: ", 1)[1].rstrip(")"))
    assert log.parent == logs and "Traceback" in log.read_text() and "boom" in log.read_text()


@pytest.mark.slow
def test_distill_with_a_teacher_that_labels_nothing_stops_there_in_one_line(project, capsys, tmp_path):
    """The installed script on Prefect's local API: no Prefect traceback, no training attempted."""
    fake = FakeOpenAI(script={"Document": [{"arguments": "not json"}] * 100})
    fake.url = fake.start()
    try:
        _with_raw(project, capsys, tmp_path, 3)
        env = {"DISTIL_TEACHER__BASE_URL": fake.url, "DISTIL_TEACHER__MODEL": "fake-teacher",
               "DISTIL_TEACHER__FEW_SHOT": "0", "DISTIL_TEACHER__SAMPLES": "1"}  # fmt: skip
        result = installed_distil("distill", "-p", project, env=env)
    finally:
        fake.stop()
    assert result.returncode == 1, result.stdout + result.stderr
    line = error_line(result.stderr)
    assert "annotate: no document got labels: 3 of 3 documents failed: 3 x malformed output" in line
    assert "Traceback" not in result.stdout and "Flow run" not in result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unknown_plug_in_name_is_bad_input_naming_the_known_ones(project, capsys):
    (project / "distil.toml").write_text(
        'guidelines = "general"\n[review]\nbackend = "labelstudio.v1"\napi_url = "http://127.0.0.1:9"\n',
        encoding="utf-8",
    )
    code, _, err = distil(capsys, "review", "push", "-p", project)
    assert code == 2 and "no review_backends named 'labelstudio.v1'; known: argilla.v1" in error_line(err)


def test_two_labels_asked_alike_stop_training_with_the_guidelines_line(project, capsys):
    """Label prompts come from the guidelines' titles: two labels titled alike could not be told
    apart by the student, so training refuses before it starts, naming the file and line."""
    guide = project / "clash.md"
    guide.write_text(
        "---\nname: clash\nlabels: [writer, author]\n---\n\n## writer — Person who writes\n### Definition\n"
        "Someone who writes.\n\n## author — Person who writes\n### Definition\nSomeone who wrote it.\n",
        encoding="utf-8",
    )
    config = project / "distil.toml"
    config.write_text(f'guidelines = "{guide}"\n', encoding="utf-8")
    code, _, err = distil(capsys, "train", "-p", project)
    line = error_line(err)
    assert code != 0 and f"{guide}:10:" in line and "'writer' and 'author'" in line
    assert not (project / ".distil" / "students").exists()
