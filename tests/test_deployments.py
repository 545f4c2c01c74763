"""The repository's own prefect.yaml, deployed as a data team deploys it and run by a real
process worker: `prefect server start`, `prefect work-pool create`, `prefect deploy --all`,
`prefect worker start`, then each deployment triggered through the API on a small project
(wikigold slices, the scripted teacher, the session's real Argilla, real training and export).

The worker imports the flows the way it would in production, in a subprocess of its own: a
flow that cannot be imported ends Crashed or Failed there (Prefect's placeholder flow raises
the import error when called), and every run is checked against the store it should have
changed, so nothing here passes on a fallback."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from corpus.conll import read_conll
from corpus.guideline_files import load_guidelines
from corpus.model import Annotator, AnnotatorKind, Span, Split
from corpus.store import Store
from corpus.tables import ModelRow
from export.registry import Registry
from flows.settings import load_settings
from review.argilla_backend import dataset_name
from review.queue import ReviewQueue, ReviewStatus
from teacher.scripted_server import FakeOpenAI
from tests.services.argilla import submit
from tests.services.postgres import free_port
from tests.services.prefect import prefect, prefect_env, process_worker
from tests.services.processes import wait_until_ready

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
POOL = "distil"  # the work pool prefect.yaml names


def occurrence(text: str, span: Span) -> int:
    return text[: span.start].count(text[span.start : span.end]) + 1


@pytest.fixture(scope="module")
def wikigold(corpora):
    return [i for i in read_conll(corpora / "wikigold/wikigold.conll.txt") if i.spans][100:160]


@pytest.fixture(scope="module")
def teacher(wikigold):
    """Answers each raw document with its gold entities, as a good teacher would."""
    raw = wikigold[20:30]
    server = FakeOpenAI(
        answers={
            item.document.text: [
                {"text": item.document.text[s.start : s.end], "label": s.label,
                 "occurrence": occurrence(item.document.text, s)}
                for s in item.spans
            ]
            for item in raw
        },
        logprob=-1.0,  # unsure of every token: the documents' confidence falls below review's threshold
    )  # fmt: skip
    server.url = server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def project(tmp_path_factory, wikigold, argilla):
    """20 gold pool sentences, 10 raw ones for the teacher, 30 held out; its own guidelines name,
    so its Argilla dataset is its own on the shared server."""
    folder = tmp_path_factory.mktemp("deployed")
    url, _ = argilla
    (folder / "guidelines.md").write_text(
        load_guidelines("general").source.replace("name: general", "name: deployed", 1), encoding="utf-8"
    )
    (folder / "distil.toml").write_text(
        f"""guidelines = "guidelines.md"
[teacher]
samples = 1
few_shot = 0
[review]
api_url = "{url}"
budget = 3
threshold = 0.95
audit_fraction = 0
[student]
max_steps = 8
eval_every = 4
[export]
f1_budget = 100.0   # a model trained 8 steps: this test is about the deployments, not the gate
""",
        encoding="utf-8",
    )
    (folder / "raw.txt").write_text(
        "\n".join(i.document.text for i in wikigold[20:30]) + "\n", encoding="utf-8"
    )
    with Store(load_settings(folder).store_url) as store:
        gold = Annotator(AnnotatorKind.HUMAN, "gold:wikigold")
        store.add_labelled(wikigold[:20], Split.POOL, gold)
        store.add_labelled(wikigold[30:], Split.VALIDATION, gold)
        store.add_documents([i.document for i in wikigold[20:30]])
    return folder


@pytest.fixture(scope="module")
def deployed(project, teacher, argilla, prefect_api, tmp_path_factory):
    """The API of a server holding the repository's deployments, with a worker serving them whose
    environment (not the flow parameters) holds the endpoint and the keys."""
    logs = tmp_path_factory.mktemp("worker")
    api_url, home = prefect_api
    env = prefect_env(api_url, home)
    prefect(env, "work-pool", "create", POOL, "--type", "process")
    prefect(env, "--no-prompt", "deploy", "--all", cwd=ROOT)
    health_port = free_port()
    worker_env = {
        **env,
        "PREFECT_WORKER_WEBSERVER_PORT": str(health_port),
        "DISTIL_TEACHER__BASE_URL": teacher.url,
        "DISTIL_TEACHER__MODEL": "fake-teacher",
        "DISTIL_TEACHER__API_KEY": "",  # as compose passes an unset key: a keyless endpoint
        "ARGILLA_API_KEY": argilla[1],
    }
    with process_worker(worker_env, POOL, logs / "worker.log", "--with-healthcheck") as worker:
        # the health endpoint answers once the worker polls its pool
        health = f"http://127.0.0.1:{health_port}/health"
        wait_until_ready(health, worker, logs / "worker.log", ready=lambda status: status == 200)
        yield api_url, logs / "worker.log", health_port


def retrying_503(call, attempts: int = 5):
    """A busy server answers 503 for a moment; Prefect's own client retries those, so do we."""
    for attempt in range(attempts):
        response = call()
        if response.status_code != 503 or attempt == attempts - 1:
            return response.raise_for_status()
        time.sleep(2**attempt)


def run_deployment(deployed, name: str, project: Path, timeout: float = 600) -> dict:
    """Trigger a deployment by name with `project` and wait for its run to end; the run."""
    api_url, worker_log, _ = deployed
    with httpx.Client(base_url=api_url, timeout=30) as api:
        deployment = api.get(f"/deployments/name/{name}").raise_for_status().json()
        run = retrying_503(
            lambda: api.post(
                f"/deployments/{deployment['id']}/create_flow_run",
                json={"parameters": {"project": str(project)}},
            )
        ).json()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = api.get(f"/flow_runs/{run['id']}").json()
            if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                break
            time.sleep(1)
        if run["state"]["type"] != "COMPLETED":
            logs = api.post("/logs/filter", json={"logs": {"flow_run_id": {"any_": [run["id"]]}}}).json()
            text = "\n".join(entry["message"] for entry in logs)[-4000:]
            raise AssertionError(
                f"{name}: {run['state']['type']} {run['state'].get('message')}\n{text}\n"
                f"worker: {worker_log.read_text(errors='replace')[-3000:]}"
            )
    return run


def test_every_deployment_runs_to_completed_in_a_real_worker(deployed, project, teacher, argilla):
    settings = load_settings(project)
    guidelines = load_guidelines(settings.guidelines_ref)
    raw_ids = set(Store(settings.store_url).document_ids(split=Split.POOL)) - {
        a.document_id for a in Store(settings.store_url).annotations(kind=AnnotatorKind.HUMAN)
    }

    run_deployment(deployed, "distil-label/nightly-label", project)
    with Store(settings.store_url) as store:
        labelled = {a.document_id: a for a in store.annotations(kind=AnnotatorKind.TEACHER)}
        pushed = ReviewQueue(store, guidelines.version).items((ReviewStatus.PUSHED,))
    assert set(labelled) == raw_ids and len(teacher.requests) == len(raw_ids), "each raw document, once"
    assert sum(len(a.spans) for a in labelled.values()) > 0
    assert 1 <= len(pushed) <= 3, "the doubtful ones went to Argilla"

    reviewed = pushed[0].document_id
    first_word = len(Store(settings.store_url).documents(ids=[reviewed])[0].text.split()[0])
    submit(argilla[0], argilla[1], dataset_name(guidelines), reviewed, [Span(0, first_word, "MISC")], "annie")
    run_deployment(deployed, "distil-review/review-sync", project)
    with Store(settings.store_url) as store:
        human = {a.document_id: a for a in store.annotations(kind=AnnotatorKind.HUMAN)}
    assert human[reviewed].annotator.name == "annie", "the review was pulled by the worker"

    release = run_deployment(deployed, "distil-release/weekly-release", project)
    assert release["parameters"] == {"project": str(project), "promote": False}, "from prefect.yaml"
    with Store(settings.store_url) as store:
        (model,) = Registry(store, project).list()
    assert model.metrics and model.status != "production", "trained, evaluated, exported; not promoted"
    assert Path(model.artifacts["bundle"]).is_dir(), "the bundle the worker wrote"
    with Store(settings.store_url) as store, store.transaction() as session:
        stored = session.get(ModelRow, model.id).artifacts
    assert stored["bundle"] == f".distil/models/{model.id}/bundle", "relative: any mount point finds it"

    calls = len(teacher.requests)
    run_deployment(deployed, "distill/distill", project)
    assert len(teacher.requests) == calls, "a whole-pipeline run pays for nothing already done"
    with Store(settings.store_url) as store:
        assert len(Registry(store, project).list()) == 1, "nothing changed since the release: no new model"


def compose_healthcheck(service: str) -> list[str]:
    test = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"][service]
    command = test["healthcheck"]["test"]
    assert command[0] == "CMD"
    return command[1:]


def test_compose_healthchecks_tell_a_live_worker_and_server(deployed):
    """The healthcheck commands docker-compose.yml runs, against the real server and worker here."""
    api_url, _, health_port = deployed
    for service, local in [
        ("prefect-worker", f"http://127.0.0.1:{health_port}"),
        ("prefect-server", api_url.removesuffix("/api")),
    ]:
        command = [part.replace("http://localhost:8080", local).replace("http://localhost:4200", local)
                   for part in compose_healthcheck(service)]  # fmt: skip
        command[0] = sys.executable if command[0] == "python" else command[0]
        assert local in command[-1], f"{service}: the healthcheck URL moved; update this test"
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, f"{service}: {done.stderr[-1000:]}"
    dead = [part.replace("http://localhost:8080", f"http://127.0.0.1:{free_port()}")
            for part in compose_healthcheck("prefect-worker")]  # fmt: skip
    assert subprocess.run([sys.executable, *dead[1:]], capture_output=True).returncode != 0, "it can fail"
