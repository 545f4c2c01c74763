"""`distil-serve` as a client meets it: a real server process on a real distil bundle, over HTTP.

One server on a production link (extract, bad input, limits, batching, metrics, swap) and one
with a queue of two texts (overload). The swap test re-points the link as `distil models
promote` does while clients keep sending, and counts every answer.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from distil_runtime import NerModel

from corpus.conll import read_conll
from export.promotion import point_production
from tests.services.postgres import free_port
from tests.services.processes import logged_process, wait_until_ready

pytestmark = pytest.mark.slow
SERVE = [sys.executable, "-m", "distil_runtime.serve.cli"]


@pytest.fixture(scope="module")
def texts(corpora):
    sentences = [i.document.text for i in read_conll(corpora / "wikigold/wikigold.conll.txt")][300:330]
    return [*sentences, " ".join(sentences)]  # the last one is read in windows


@pytest.fixture(scope="module")
def link(exported_bundles, tmp_path_factory):
    good, _ = exported_bundles
    production = tmp_path_factory.mktemp("project") / "production"
    point_production(production, good)
    return production


def _server(tmp_path_factory, target, *options):
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    command = [*SERVE, str(target), "--port", str(port), *options]
    return port, log, logged_process(command, log)


@pytest.fixture(scope="module")
def server(link, tmp_path_factory):
    port, log, process = _server(tmp_path_factory, link, "--max-texts", "40", "--max-chars", "8000",
                                 "--max-wait-ms", "40", "--poll", "0.2")  # fmt: skip
    with process as running:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(f"{url}/health", running, log, ready=lambda status: status == 200)
        yield url


def _extract(url, body, **kwargs):
    return httpx.post(f"{url}/v1/extract", json=body, timeout=60, **kwargs)


def _keys(entities):
    return [[(e["start"], e["end"], e["label"]) for e in found] for found in entities]


def test_extract_answers_what_the_runtime_finds_with_offsets_into_each_text(server, exported_bundles, texts):
    good, _ = exported_bundles
    answer = _extract(server, {"texts": texts})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    meta = json.loads((good / "distil_bundle.json").read_text())
    assert body["model_id"] == meta["model_id"] and body["labels"] == meta["labels"]
    expected = NerModel.load(good).extract(texts, batch_size=32)  # one request: the server's one batch
    assert _keys(body["entities"]) == [[(e.start, e.end, e.label) for e in found] for found in expected]
    assert sum(map(len, body["entities"])) > 20, "the good student finds entities"
    for text, found in zip(texts, body["entities"], strict=True):
        for entity in found:
            assert text[entity["start"] : entity["end"]] == entity["text"] and 0 < entity["score"] <= 1
    subset = _extract(server, {"texts": texts[:5], "labels": ["PER"], "threshold": 0.9}).json()
    assert subset["labels"] == ["PER"] and subset["threshold"] == 0.9
    assert subset["label_thresholds"] == {}, "a threshold asked for applies to every label"
    assert all(e["label"] == "PER" and e["score"] >= 0.9 for found in subset["entities"] for e in found)


@pytest.mark.parametrize(
    ("content", "status", "says"),
    [
        (b"\xff\xfe{}", 400, "not UTF-8"),
        (b'{"texts": ["a"', 400, "not JSON"),
        (b"[]", 422, "JSON object"),
        (b'{"texts": []}', 422, "non-empty list"),
        (b'{"texts": ["fine", "  "]}', 422, "texts[1] is empty"),
        (b'{"texts": ["fine", 3]}', 422, "texts[1] is int"),
        (b'{"texts": ["Paris"], "labels": ["PER", "CITY"]}', 422, "unknown labels: 'CITY'"),
        (b'{"texts": ["Paris"], "threshold": 1.5}', 422, "outside (0, 1)"),
        (b'{"texts": ["Paris"], "treshold": 0.5}', 422, "unknown fields: treshold"),
        (json.dumps({"texts": ["Paris"] * 41}).encode(), 413, "41 texts in one request; the limit is 40"),
        (json.dumps({"texts": ["ok", "x" * 8001]}).encode(), 413, "texts[1] has 8001 characters"),
    ],
)
def test_bad_input_is_refused_with_what_and_where(server, content, status, says):
    answer = httpx.post(f"{server}/v1/extract", content=content, timeout=30)
    assert answer.status_code == status, answer.text
    assert says in answer.json()["error"]


def test_concurrent_clients_share_batches_and_metrics_count_them(server, texts):
    def scrape(name):
        lines = httpx.get(f"{server}/metrics", timeout=10).text.splitlines()
        return sum(float(line.split()[-1]) for line in lines if line.startswith(name))

    batches_before, texts_before = (
        scrape("distil_serve_batch_texts_count"),
        scrape("distil_serve_texts_total"),
    )
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda text: _extract(server, {"text": text}), texts[:16]))
    assert [a.status_code for a in answers] == [200] * 16
    assert scrape("distil_serve_texts_total") - texts_before == 16
    batches = scrape("distil_serve_batch_texts_count") - batches_before
    assert 1 <= batches < 16, f"16 concurrent one-text requests ran in {batches} batches"
    assert scrape('distil_serve_requests_total{route="/v1/extract",status="200"}') >= 16
    health = httpx.get(f"{server}/health", timeout=10).json()
    assert health["status"] == "ready"


def test_metadata_names_the_model_its_labels_and_scores(server, exported_bundles):
    good, _ = exported_bundles
    meta = httpx.get(f"{server}/v1/model", timeout=10).json()
    written = json.loads((good / "distil_bundle.json").read_text())
    assert meta["model_id"] == written["model_id"] and meta["labels"] == written["labels"]
    assert meta["guidelines"]["version"] == written["guidelines"]["version"]
    assert meta["threshold"] == written["threshold"] and meta["format"] == written["format"]
    assert meta["label_thresholds"] == written["label_thresholds"]  # chosen on dev, applied serving
    assert meta["metrics"]["held_out"]["micro"]["f1"] > 0


def test_a_promotion_swaps_models_without_failing_a_request(server, link, exported_bundles, texts, tmp_path):
    good, weak = exported_bundles
    ids = {json.loads((b / "distil_bundle.json").read_text())["model_id"]: b for b in (good, weak)}
    statuses, served, stop = [], [], threading.Event()

    def client():
        while not stop.is_set():
            answer = _extract(server, {"texts": texts[:4]})
            statuses.append(answer.status_code)
            served.append(answer.json().get("model_id"))

    clients = [threading.Thread(target=client) for _ in range(4)]
    for thread in clients:
        thread.start()
    try:
        broken = shutil.copytree(good, tmp_path / "broken")
        (broken / "model.onnx").unlink()
        point_production(link, broken)  # a bad bundle is refused: the old one keeps serving
        time.sleep(1.5)
        assert httpx.get(f"{server}/health", timeout=10).json()["model_id"] == _id(good)
        point_production(link, weak)
        deadline = time.monotonic() + 60
        while httpx.get(f"{server}/v1/model", timeout=10).json()["model_id"] != _id(weak):
            assert time.monotonic() < deadline, "the server never swapped to the promoted bundle"
            time.sleep(0.2)
        time.sleep(1.0)
    finally:
        stop.set()
        for thread in clients:
            thread.join()
        point_production(link, good)
    assert statuses and set(statuses) == {200}, f"{len(statuses)} answers: {sorted(set(statuses))}"
    assert _id(good) in served and served[-1] == _id(weak)
    assert set(served) <= set(ids)


def _id(bundle):
    return json.loads((bundle / "distil_bundle.json").read_text())["model_id"]


def test_a_full_queue_answers_503_at_once_and_keeps_serving(exported_bundles, texts, tmp_path_factory):
    good, _ = exported_bundles
    port, log, process = _server(tmp_path_factory, good, "--max-queued", "2", "--max-batch", "1")
    long_text = texts[-1]
    with process as running:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(f"{url}/health", running, log, ready=lambda status: status == 200)
        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(lambda _: _extract(url, {"text": long_text}), range(12)))
        statuses = sorted(a.status_code for a in answers)
        assert set(statuses) == {200, 503} and statuses.count(200) >= 2, statuses
        refused = next(a for a in answers if a.status_code == 503)
        assert refused.headers["retry-after"] == "1" and "overloaded" in refused.json()["error"]
        assert _extract(url, {"text": "Paris is in France ."}).status_code == 200


def test_a_wrong_bundle_path_is_one_line_and_exit_2(tmp_path):
    done = subprocess.run([*SERVE, str(tmp_path / "nowhere")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == f"distil-serve: {tmp_path / 'nowhere'}: no such bundle folder"


def test_waiting_for_a_first_promotion_serves_once_the_link_appears(exported_bundles, tmp_path):
    good, _ = exported_bundles
    link, port, log = tmp_path / "production", free_port(), tmp_path / "serve.log"
    command = [*SERVE, "--wait", str(link), "--port", str(port), "--poll", "0.2"]
    with logged_process(command, log) as running:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(f"{url}/health", running, log, ready=lambda status: status in (200, 503))
        waiting = httpx.get(f"{url}/health", timeout=10)
        assert waiting.status_code == 503 and "no such bundle folder" in waiting.json()["error"]
        assert _extract(url, {"text": "Paris"}).status_code == 503
        point_production(link, good)
        wait_until_ready(f"{url}/health", running, log, timeout=60, ready=lambda status: status == 200)
        assert _extract(url, {"text": "Paris is in France ."}).json()["model_id"] == _id(good)
