"""`distil annotate` from the command line, against an endpoint configured in the environment."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli.app import app
from flows.project import Project
from flows.settings import Settings
from flows.teacher_step import endpoint_for
from teacher.config import TeacherConfig
from teacher.scripted_server import FakeOpenAI
from tests.flows.test_demo import table_rows


@pytest.fixture
def fake():
    server = FakeOpenAI(answers={"": [{"text": "Paris", "label": "LOC", "occurrence": 1}]})
    server.url = server.start()
    yield server
    server.stop()


def test_estimate_then_annotate_then_rerun_from_cache(tmp_path, fake, monkeypatch):
    monkeypatch.delenv("DISTIL_DATABASE_URL", raising=False)
    runner = CliRunner()
    project = tmp_path / "p"
    raw = tmp_path / "raw.txt"
    raw.write_text("Ann lives in Paris.\nBob left Paris.\nNo place here.\n", encoding="utf-8")
    env = {"DISTIL_TEACHER__BASE_URL": fake.url, "DISTIL_TEACHER__MODEL": "fake-teacher",
           "DISTIL_TEACHER__API_KEY": "sk-cli-secret"}  # fmt: skip
    assert runner.invoke(app, ["init", str(project)]).exit_code == 0
    assert runner.invoke(app, ["ingest", str(raw), "-p", str(project)]).exit_code == 0

    estimate = runner.invoke(app, ["annotate", "--estimate", "--samples", "2", "-p", str(project)], env=env)
    assert estimate.exit_code == 0, estimate.output
    assert "3 documents, 0 already annotated (free), 6 calls" in estimate.output
    assert fake.requests == [], "estimating calls nothing"

    result = runner.invoke(app, ["annotate", "--samples", "2", "-p", str(project)], env=env)
    assert result.exit_code == 0, result.output
    rows = table_rows(result.output)
    assert rows["newly annotated"] == "3" and rows["calls"] == "6"
    assert rows["invalid / proposed spans"] == "2 / 6 (33.3%)", "'Paris' is not in the third document"
    assert "sk-cli-secret" not in result.output

    again = runner.invoke(app, ["annotate", "--samples", "2", "-p", str(project)], env=env)
    assert table_rows(again.output)["from cache (0 tokens)"] == "3"
    assert len(fake.requests) == 6


def test_the_teacher_can_label_the_held_out_set_to_be_scored_but_it_is_never_trained_on(
    tmp_path, fake, monkeypatch
):
    from corpus.guideline_files import load_guidelines
    from corpus.model import AnnotatorKind
    from corpus.store import Store
    from flows.settings import load_settings
    from student.data import build_training_set
    from student.evaluate import held_out_set, score_teacher

    monkeypatch.delenv("DISTIL_DATABASE_URL", raising=False)
    runner = CliRunner()
    project = tmp_path / "p"
    gold = tmp_path / "gold.markup"
    gold.write_text("Ann lives in [Paris](LOC).\n[Rome](LOC) is old.\n", encoding="utf-8")
    env = {"DISTIL_TEACHER__BASE_URL": fake.url, "DISTIL_TEACHER__MODEL": "fake-teacher"}
    assert runner.invoke(app, ["init", str(project)]).exit_code == 0
    assert (
        runner.invoke(app, ["ingest", str(gold), "--split", "validation", "-p", str(project)]).exit_code == 0
    )
    result = runner.invoke(
        app, ["annotate", "--split", "validation", "--samples", "1", "-p", str(project)], env=env
    )
    assert result.exit_code == 0, result.output
    settings = load_settings(project)
    with Store(settings.store_url) as store:
        assert len(store.annotations(kind=AnnotatorKind.TEACHER)) == 2
        teacher = score_teacher(store, held_out_set(store))
        data = build_training_set(store, load_guidelines("general").label_names, dev_fraction=0)
    assert (teacher.micro.tp, teacher.micro.fn) == (1, 1), "'Paris' found, 'Rome' missed"
    assert data.train == [] and data.dev == []


def test_the_pool_is_read_a_batch_at_a_time(tmp_path, fake, monkeypatch):
    """At 100K documents, reading every text and ledger row at once doubled the flow's peak memory."""
    from corpus.store import Store
    from flows import teacher_step as annotate
    from flows.settings import load_settings

    for name in ("DISTIL_DATABASE_URL", "DISTIL_TEACHER__API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISTIL_TEACHER__BASE_URL", fake.url)
    monkeypatch.setenv("DISTIL_TEACHER__MODEL", "fake-teacher")
    runner = CliRunner()
    project = tmp_path / "p"
    raw = tmp_path / "raw.txt"
    raw.write_text("".join(f"Document {i} is in Paris.\n" for i in range(5)), encoding="utf-8")
    assert runner.invoke(app, ["init", str(project)]).exit_code == 0
    assert runner.invoke(app, ["ingest", str(raw), "-p", str(project)]).exit_code == 0
    done = runner.invoke(app, ["annotate", "--limit", "3", "-p", str(project)])
    assert done.exit_code == 0, done.output

    settings = load_settings(project)
    with Store(settings.store_url) as store:
        ids = annotate.ids_of(store)
        assert ids == [d.id for d in store.documents()]  # store order, texts not needed
    read: list[int] = []
    documents = Store.documents

    def counted(self, **query):
        read.append(len(query["ids"]))
        return documents(self, **query)

    monkeypatch.setattr(Store, "documents", counted)
    monkeypatch.setattr(annotate, "READ_BATCH", 2)
    assert annotate.unfinished(Project(settings), ids) == ids[3:]
    assert read == [2, 2, 1]
    # the teacher's workers take documents as they are read, not the pool at once
    rest = runner.invoke(app, ["annotate", "-p", str(project)])
    assert rest.exit_code == 0, rest.output
    rows = table_rows(rest.output)
    assert (rows["newly annotated"], rows["from cache (0 tokens)"]) == ("2", "3")
    assert read == [2, 2, 1] * 2  # (few-shot retrieval reads no documents: none reviewed)
    # and so does the estimate, which counts every pool text's tokens
    read.clear()
    estimate = annotate.estimate_annotation(Project(settings))
    assert (estimate.documents, estimate.cached, estimate.calls) == (5, 5, 0)
    assert read == [2, 2, 1]


@pytest.mark.parametrize(
    ("base_url", "logprobs", "asked"),
    [
        (None, None, False),
        ("http://remote/v1", None, True),
        (None, True, True),
        ("http://remote/v1", False, False),
    ],
)
def test_logprobs_are_asked_from_remote_endpoints_not_the_local_teacher(tmp_path, base_url, logprobs, asked):
    """llama.cpp's Python server takes several times longer per answer to send them."""
    settings = Settings(project_dir=tmp_path, teacher=TeacherConfig(base_url=base_url, logprobs=logprobs))
    assert endpoint_for(settings, base_url or "http://127.0.0.1:1/v1", "m").logprobs is asked


def test_a_blank_key_means_a_keyless_endpoint(tmp_path, fake, monkeypatch):
    """compose passes an unset DISTIL_TEACHER__API_KEY as "": vLLM and Ollama need no key, and
    the OpenAI client refuses "" ("Missing credentials"), so blank is the same as unset."""
    monkeypatch.delenv("DISTIL_DATABASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    runner = CliRunner()
    project, raw = tmp_path / "p", tmp_path / "raw.txt"
    raw.write_text("Ann lives in Paris.\n", encoding="utf-8")
    env = {"DISTIL_TEACHER__BASE_URL": fake.url, "DISTIL_TEACHER__MODEL": "fake-teacher",
           "DISTIL_TEACHER__API_KEY": ""}  # fmt: skip
    assert runner.invoke(app, ["init", str(project)]).exit_code == 0
    assert runner.invoke(app, ["ingest", str(raw), "-p", str(project)]).exit_code == 0
    result = runner.invoke(app, ["annotate", "--samples", "1", "-p", str(project)], env=env)
    assert result.exit_code == 0, result.output
    assert table_rows(result.output)["newly annotated"] == "1" and len(fake.requests) == 1
