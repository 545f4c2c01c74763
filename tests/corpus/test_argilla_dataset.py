"""An Argilla dataset people already labelled is read as gold, from the real argilla-server of the
test session and from its export (the rows `to_hub` publishes, saved to disk): the submitted
answers come back as they were given (a real wikigold slice), two annotators are resolved by
majority, a record nobody submitted is left out and said, and `distil ingest --format argilla`
stores exactly that."""

from __future__ import annotations

import httpx
import pytest

from corpus.argilla_dataset import read_argilla
from corpus.conll import read_conll
from corpus.ingest import detect_format
from corpus.model import Split
from tests.flows.test_cli import distil
from tests.services.argilla import ANNOTATORS

pytestmark = pytest.mark.slow
NAME = "labelled-elsewhere"


@pytest.fixture(scope="module")
def labelled(argilla, corpora):
    """A span dataset made the way a team makes one in Argilla; annie answered the first 30
    wikigold sentences with their gold, bob agreed on the first and missed a span on the
    second (so majority keeps what annie marked only where bob agrees, half of two); nobody
    answered the last."""
    import argilla as rg

    items = [
        i for i in read_conll(corpora / "wikigold/wikigold.conll.txt", split=Split.VALIDATION) if i.spans
    ]
    items = items[:31]
    url, key = argilla
    client = rg.Argilla(api_url=url, api_key=key)
    settings = rg.Settings(
        fields=[rg.TextField(name="text")],
        questions=[rg.SpanQuestion(name="ner", field="text", labels=["PER", "ORG", "LOC", "MISC"])],
    )
    dataset = rg.Dataset(name=NAME, workspace="argilla", settings=settings, client=client).create()
    dataset.records.log([{"text": item.document.text} for item in items])
    records = sorted(
        dataset.records(), key=lambda r: [i.document.text for i in items].index(r.fields["text"])
    )
    for index, (record, item) in enumerate(zip(records[:30], items[:30], strict=True)):
        _answer(url, record, item.spans, "annie")
        if index < 2:
            _answer(url, record, item.spans[: len(item.spans) - index], "bob")
    return dataset, items


def _answer(url, record, spans, annotator):
    value = [{"start": s.start, "end": s.end, "label": s.label} for s in spans]
    response = httpx.post(
        f"{url}/api/v1/records/{record._server_id}/responses",
        headers={"X-Argilla-Api-Key": ANNOTATORS[annotator]},
        json={"values": {"ner": {"value": value}}, "status": "submitted"},
    )
    assert response.status_code == 201, response.text


def _keys(items):
    return {i.document.text: [(s.start, s.end, s.label) for s in i.spans] for i in items}


def test_a_dataset_on_the_server_reads_back_as_its_answers(labelled, argilla):
    _, items = labelled
    skipped = []
    read = read_argilla(
        f"argilla/{NAME}", Split.VALIDATION, api_url=argilla[0], api_key=argilla[1], skipped=skipped
    )
    assert _keys(read) == _keys(items[:30]), (
        "majority of annie and bob: bob's missing span stays (1 of 2 is half)"
    )
    assert [r.reason for r in skipped] == ["1 record(s) nobody submitted: left out"]


def test_its_export_is_detected_and_reads_the_same(labelled, tmp_path):
    dataset, items = labelled
    folder = tmp_path / "export"
    dataset.records.to_datasets().save_to_disk(str(folder))  # the rows to_hub publishes
    assert detect_format(folder) == "argilla"
    assert _keys(read_argilla(folder, Split.VALIDATION)) == _keys(items[:30])


def test_distil_ingest_reads_a_labelled_argilla_dataset_as_held_out_gold(
    labelled, argilla, tmp_path, monkeypatch
):
    _, items = labelled
    project = tmp_path / "proj"
    assert distil("init", project, "--guidelines", "general").exit_code == 0
    monkeypatch.setenv("ARGILLA_API_URL", argilla[0])
    monkeypatch.setenv("ARGILLA_API_KEY", argilla[1])
    result = distil("ingest", NAME, "--format", "argilla", "--split", "validation", "-p", project)
    assert result.exit_code == 0, result.output
    entities = sum(len(i.spans) for i in items[:30])
    assert f"read 30, added 30, duplicates 0, entities {entities}" in result.output
    assert "1 record(s) nobody submitted" in result.output
