"""`distil doctor`: real checks, each problem with its fix, exit 1 when anything is wrong."""

from __future__ import annotations

import socket

import pytest

from flows.cli.entry import main
from teacher.llama_build import non_portable_features
from teacher.scripted_server import FakeOpenAI


def doctor(capsys, *args) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(["doctor", *map(str, args)])
    out = capsys.readouterr()
    return exited.value.code or 0, out.out + out.err


@pytest.fixture
def project(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DISTIL_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("DISTIL_MODEL_CACHE", str(tmp_path / "models"))
    for name in ("DISTIL_DATABASE_URL", "ARGILLA_API_URL", "PREFECT_API_URL", "DISTIL_TEACHER__BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit):
        main(["init", str(tmp_path / "p")])
    capsys.readouterr()
    return tmp_path / "p"


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_a_wrong_key_and_a_dead_argilla_are_problems_with_their_fix(project, capsys, monkeypatch):
    fake = FakeOpenAI(script={"Say ok": [{"status": 401, "message": "Incorrect API key"}]})
    url = fake.start()
    try:
        monkeypatch.setenv("DISTIL_TEACHER__BASE_URL", url)
        monkeypatch.setenv("DISTIL_TEACHER__MODEL", "fake-teacher")
        monkeypatch.setenv("ARGILLA_API_URL", dead_url())
        code, out = doctor(capsys, "-p", project)
    finally:
        fake.stop()
    assert code == 1
    assert "PROBLEM teacher endpoint" in out and "refused the API key (401)" in out
    assert "PROBLEM argilla" in out and "does not answer" in out
    assert "ok store" in out and "2 problem(s) found" in out
    assert len(fake.requests) == 1, "one real completion"


def test_a_model_file_that_does_not_match_its_sha256_is_a_problem(project, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("DISTIL_TEACHER__BASE_URL", "http://127.0.0.1:9/v1")  # the local checks alone below
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "smollm2-135m.gguf").write_bytes(b"not the model")
    from flows.doctor import model_file_checks

    (check,) = list(model_file_checks())
    assert check.ok is False and "wrong sha256" in check.detail and "delete it" in check.detail


def test_outside_a_project_the_machine_is_checked_and_nothing_is_created(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DISTIL_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISTIL_TEACHER__BASE_URL", dead_url() + "/v1")
    code, out = doctor(capsys)
    assert code == 1 and "PROBLEM teacher endpoint" in out and "does not answer" in out
    assert "no distil.toml here" in out
    assert not (tmp_path / ".distil").exists()


def test_a_build_for_this_cpu_is_told_apart_from_a_portable_one():
    native = (
        "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | AVX512 = 1 | AVX512_VBMI = 1 | AMX_INT8 = 1 | OPENMP = 1 |"
    )
    portable = (
        "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | OPENMP = 1 |"
    )
    assert non_portable_features(native) == ["AMX_INT8", "AVX512"]
    assert non_portable_features(portable) == []


@pytest.mark.slow
def test_on_the_embedded_teacher_every_check_passes(project, capsys, monkeypatch):
    import llama_cpp

    monkeypatch.delenv("DISTIL_MODEL_CACHE")  # the models the other tests fetched
    monkeypatch.setenv("DISTIL_TEACHER__LOCAL_MODEL", "smollm2-135m")
    code, out = doctor(capsys, "-p", project)
    assert code == 0, out
    assert "ok local teacher build" in out and "portable" in out
    assert "ok local teacher answers: smollm2-135m completed a real prompt" in out
    assert "ok model smollm2-135m" in out and "sha256 ok" in out
    assert "all checks passed" in out
    info = llama_cpp.llama_print_system_info().decode()
    assert non_portable_features(info) == [], f"the installed llama.cpp is not the portable build: {info}"
