"""Export and promotion end to end on real trained students and real ONNX Runtime.

Two students are trained on a wikigold slice: a good one (120 steps) and a
barely trained one (8 steps). The good one is exported, loads from its bundle
in an interpreter that cannot import distil, and is promoted; the weak one is
refused, forced with a recorded reason, and rolled back.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus.conll import read_conll
from corpus.model import AnnotatorKind, Split
from corpus.store import Store
from export.bundle import verify_bundle
from export.onnx import export_fp32, load_onnx
from export.registry import Registry
from flows.cli.app import app
from flows.export_step import export_model, production_path
from flows.project import Project
from flows.settings import load_settings
from student.evaluate import held_out_set
from student.predict import predict
from teacher.localize import name_bounds, occurrences

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(trained_students):
    return trained_students


def test_fp32_onnx_gives_the_same_spans_as_pytorch(project, tmp_path):
    from gliner import GLiNER

    root, good, _ = project
    settings = load_settings(root)
    with Store(settings.store_url) as store:
        held = held_out_set(store, Split.VALIDATION, tuple(good.labels))
    torch_model = GLiNER.from_pretrained(str(good.path), local_files_only=True)
    export_fp32(torch_model, tmp_path)
    onnx_model = load_onnx(tmp_path)  # distil_runtime, as served
    expected = predict(torch_model, held.texts, good.labels, good.threshold)
    got = predict(onnx_model, held.texts, good.labels, good.threshold)
    assert sum(map(len, expected)) > 10, "the student predicts something to compare"
    assert [[(s.start, s.end, s.label) for s in spans] for spans in got] == [
        [(s.start, s.end, s.label) for s in spans] for spans in expected
    ]
    for a, b in zip(sum(got, []), sum(expected, []), strict=True):
        assert abs(a.score - b.score) < 1e-3


def test_export_writes_a_bundle_that_runs_without_distil(project, tmp_path):
    root, good, _ = project
    result = CliRunner().invoke(app, ["export", str(good.path), "-p", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    settings = load_settings(root)
    with Store(settings.store_url) as store:
        record = Registry(store, root).get(good.path.name)
    bundle = record.artifacts["bundle"]
    assert verify_bundle(bundle) == []
    meta = json.loads((Path(bundle) / "distil_bundle.json").read_text())
    assert meta["format"] in ("int8", "int8-selective") and record.artifacts["passed_int8"]
    gate = {r["format"]: r for r in meta["gate"]["results"]}
    # full INT8 stores every weight matrix and embedding in 8 bits; the selective fallback
    # keeps the embeddings (a third of the file) and the heads in FP32
    smaller = 3.5 if meta["format"] == "int8" else 1.3
    assert gate[meta["format"]]["size_bytes"] * smaller < gate["fp32"]["size_bytes"]
    budget = settings.export.f1_budget / 100  # points of F1
    assert gate[meta["format"]]["f1"] >= gate["fp32"]["f1"] - budget
    card = (Path(bundle) / "README.md").read_text()
    assert "95% bootstrap interval" in card and "240 documents" in card

    # A fresh interpreter that skips site processing: gliner, onnxruntime and their
    # dependencies are importable from site-packages, distil's editable install is not.
    texts = ["Angela Merkel met Emmanuel Macron in Paris .", "The United Nations is based in New York ."]
    # as the card tells a gliner user: ask in the words the student was trained with
    prompts = json.loads((Path(bundle) / "gliner_config.json").read_text())["label_prompts"]
    words = [prompts.get(label, label) for label in meta["labels"]]
    assert f'`PER` as "{prompts["PER"]}"' in card
    script = (
        "import sys, json\n"
        f"sys.path.append({sysconfig.get_paths()['purelib']!r})\n"
        "import importlib.util\n"
        "assert importlib.util.find_spec('corpus') is None and importlib.util.find_spec('flows') is None\n"
        "from gliner import GLiNER\n"
        f"m = GLiNER.from_pretrained({bundle!r}, load_onnx_model=True, onnx_model_file='model.onnx',"
        " local_files_only=True)\n"
        f"out = m.inference({texts!r}, {words!r}, threshold={meta['threshold']}, flat_ner=True,"
        " batch_size=1)\n"
        "print(json.dumps([[(e['start'], e['end'], e['label']) for e in o] for o in out]))\n"
    )
    clean = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert clean.returncode == 0, clean.stderr[-3000:]
    in_process = load_onnx(bundle).extract(texts, batch_size=1)  # labels and threshold from the bundle
    name_of = dict(zip(words, meta["labels"], strict=True))
    expected = [[[e.start, e.end, e.label] for e in o] for o in in_process]
    got = [
        [[start, end, name_of[label]] for start, end, label in o]
        for o in json.loads(clean.stdout.strip().splitlines()[-1])
    ]
    assert got == expected


def test_an_int8_that_loses_too_much_ships_fp32_and_cannot_be_promoted(project):
    root, _, weak = project
    settings = load_settings(root)
    settings.export = settings.export.model_copy(update={"f1_budget": -100.0})  # no INT8 can meet it
    result = export_model(Project(settings), weak.path, progress=lambda _: None)
    assert result.gate.shipped == "fp32" and not result.gate.passed_int8
    assert [r.format for r in result.gate.results] == ["fp32", "int8", "int8-selective"]
    assert "over the budget of -100.00" in result.gate.reason
    assert (
        result.model.events[-1]["action"] == "exported" and "FP32 ships" in result.model.events[-1]["reason"]
    )


def test_promotion_refuses_a_worse_model_force_records_why_and_rollback_restores(project):
    root, good, weak = project
    runner = CliRunner()
    settings = load_settings(root)
    for student in (good, weak):  # (re-)export both with the project's budget
        assert runner.invoke(app, ["export", str(student.path), "-p", str(root)]).exit_code == 0
    promoted = runner.invoke(app, ["models", "promote", good.path.name, "-p", str(root)])
    assert promoted.exit_code == 0, promoted.output
    link = production_path(settings)
    assert link.resolve() == (link.parent / good.path.name / "bundle").resolve()

    refused = runner.invoke(app, ["models", "promote", weak.path.name, "-p", str(root)])
    assert refused.exit_code == 1 and "promotion refused" in refused.output + str(refused.stderr)
    assert "95% interval" in refused.output
    assert link.resolve() == (link.parent / good.path.name / "bundle").resolve()

    no_reason = runner.invoke(app, ["models", "promote", weak.path.name, "--force", "-p", str(root)])
    assert no_reason.exit_code == 2
    forced = runner.invoke(
        app, ["models", "promote", weak.path.name, "--force", "--reason", "A/B test", "-p", str(root)]
    )
    assert forced.exit_code == 0, forced.output
    assert link.resolve() == (link.parent / weak.path.name / "bundle").resolve()
    with Store(settings.store_url) as store:
        registry = Registry(store, root)
        events = registry.get(weak.path.name).events
        assert registry.production().id == weak.path.name
    assert [e["action"] for e in events][-2:] == ["promotion refused", "promoted (forced)"]
    assert events[-1]["reason"] == "A/B test" and events[-1]["actor"]

    rolled = runner.invoke(app, ["models", "rollback", "--reason", "worse in review", "-p", str(root)])
    assert rolled.exit_code == 0, rolled.output
    assert link.resolve() == (link.parent / good.path.name / "bundle").resolve()
    with Store(settings.store_url) as store:
        registry = Registry(store, root)
        assert registry.production().id == good.path.name
        assert [e["action"] for e in registry.get(weak.path.name).events][-2:] == ["rolled back", "archived"]


def test_the_current_student_is_the_teachers_second_opinion(project, corpora):
    """`ensemble = "filter"`: the teacher's spans the real student does not also find are dropped."""
    from corpus.model import Document
    from flows.second_opinion import current_student, student_opinion
    from flows.teacher_step import annotate_ids
    from teacher.scripted_server import FakeOpenAI

    root, good, _ = project
    settings = load_settings(root)
    settings.teacher = settings.teacher.model_copy(update={"ensemble": "filter", "samples": 1})
    with Store(settings.store_url) as store:
        registry = Registry(store, root)
        if registry.production() is None:  # run alone, not after the promotion test
            registry.set_production(good.path.name, "promoted", "test", "second opinion", {})
        assert current_student(Registry(store, root)).id == registry.production().id
    items = [i for i in read_conll(corpora / "wikigold/wikigold.conll.txt") if i.spans][400:460]
    with Store(settings.store_url) as store:
        record = current_student(Registry(store, root))
        opinion = student_opinion(Project(settings))
    assert record is not None and opinion.name == f"student:{record.id}"
    # a sentence where the student finds an entity that is also the first occurrence of its text,
    # and a name the teacher can add that survives `names_only` and no student span touches
    text, agreed, spurious = next(
        (i.document.text, s, word)
        for i in items
        for found in [opinion.spans(i.document.text)]  # the student runs once per sentence
        for s in found[:1]
        if i.document.text.index(i.document.text[s.start : s.end]) == s.start
        for word in [_untouched_name(i.document.text, found)]
        if word
    )
    doc = Document(text)
    fake = FakeOpenAI(
        answers={
            text[:30]: [
                {"text": text[agreed.start : agreed.end], "label": agreed.label, "occurrence": 1},
                {"text": spurious, "label": "MISC", "occurrence": 1},
            ]
        }
    )
    url = fake.start()
    try:
        with Store(settings.store_url) as store:
            store.add_documents([doc])
        summary = annotate_ids(Project(settings), [doc.id], url, "fake-teacher")
    finally:
        fake.stop()
    assert summary.annotated == 1
    with Store(settings.store_url) as store:
        (annotation,) = store.annotations(kind=AnnotatorKind.TEACHER, document_ids=[doc.id])
    assert [(s.start, s.end, s.label) for s in annotation.spans] == [(agreed.start, agreed.end, agreed.label)]
    assert annotation.metadata["ensemble"]["opinion"] == f"student:{record.id}"
    assert annotation.metadata["ensemble"]["agreed"] == 1 and annotation.confidence < 1.0


def _untouched_name(text: str, spans) -> str | None:
    """A capitalised whole word, kept by the teacher's `names_only` trim, whose first appearance
    overlaps none of `spans`: the spurious span the student cannot have agreed to."""
    for word in dict.fromkeys(re.findall(r"\b[A-Z][a-z]+\b", text)):
        start = occurrences(text, word)[0]
        end = start + len(word)
        if name_bounds(text, start, end) == (start, end) and not any(
            s.start < end and start < s.end for s in spans
        ):
            return word
    return None


def test_the_card_is_hub_ready_says_what_trained_it_and_no_file_holds_a_build_path(
    exported_bundles, trained_students
):
    from huggingface_hub import ModelCard

    root, good, _ = trained_students
    bundle = exported_bundles[0]
    meta = json.loads((bundle / "distil_bundle.json").read_text())
    held_out = json.loads((bundle / "metrics.json").read_text())["held_out"]
    card = ModelCard.load(bundle / "README.md")
    data = card.data.to_dict()
    assert data["license"] == "apache-2.0" and data["library_name"] == "gliner"
    assert data["base_model"] == meta["base"] == "sentence-transformers/all-MiniLM-L6-v2"
    metrics = {m["type"]: m["value"] for r in data["model-index"][0]["results"] for m in r["metrics"]}
    assert metrics["f1"] == round(held_out["micro"]["f1"], 4) and set(metrics) == {
        "f1",
        "precision",
        "recall",
    }
    # the fixture's students learned from gold labels only: the card must not claim a teacher
    assert "human labels only (no teacher labels)" in card.text and "LLM teacher" not in card.text
    assert "100% human share" in card.text and "Out of scope" in card.text
    training, latency = meta["training"], meta["latency"]  # what the card's Training and Speed say
    assert training["steps"] == good.steps and training["learning_rate"] == good.candidate["learning_rate"]
    assert f"{good.steps} steps at batch {training['batch_size']}" in card.text
    assert latency["texts"] > 0 and 0 < latency["ms_per_text_median"] <= latency["ms_per_text_p90"]
    assert f"{latency['ms_per_text_median']:.1f} ms per text" in card.text
    build_paths = {str(root), str(good.path), sys.prefix, str(Path(__file__).resolve().parents[2])}
    for path in (p for p in bundle.rglob("*") if p.is_file()):
        content = path.read_bytes()
        assert not [b for b in build_paths if b.encode() in content], path.name
