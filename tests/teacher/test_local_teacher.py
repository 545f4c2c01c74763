"""The embedded teacher: a REAL llama.cpp server on the smallest packaged model.

SmolLM2-135M gives schema-valid JSON with nonsense entities, so these tests
check the wiring (structured output over the real protocol, localization of
whatever it returns, cache, resume), not quality: benchmarks measure that.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus.guideline_files import load_guidelines
from corpus.model import AnnotationStatus, AnnotatorKind, Document
from corpus.store import Store
from teacher.annotate import TeacherRun
from teacher.config import TeacherConfig
from teacher.endpoint import OpenAIEndpoint, PermanentError
from teacher.gguf_files import ModelError, resolve_model
from teacher.local_server import LocalServerError, local_alias, local_teacher
from teacher.schema import entities_model

pytestmark = pytest.mark.slow

DOCS = [
    Document("Marie Curie moved from Warsaw to Paris."),
    Document("Siemens opened a plant near Munich."),
    Document("The Danube froze near Vienna."),
    Document("Greta Thunberg sailed to New York."),
]


@pytest.fixture(scope="module")
def server():
    with local_teacher("smollm2-135m", context=2048, threads=2) as (url, alias):
        yield url, alias


def teacher_run(store, server, **overrides):
    url, alias = server
    config = TeacherConfig(
        samples=1, concurrency=1, max_output_tokens=256, guidelines_style="brief", **overrides
    )
    endpoint = OpenAIEndpoint.from_config(config, url, alias)
    return TeacherRun(store, load_guidelines("general"), endpoint, config)


def test_structured_output_is_localized_cached_and_resumed(server, tmp_path):
    with Store(f"sqlite:///{tmp_path / 'local.db'}") as store:
        store.add_documents(DOCS)
        first = asyncio.run(teacher_run(store, server).run(DOCS[:2]))
        assert (first.annotated, first.failed) == (2, 0), first.failures
        assert first.calls == 2 and first.tokens_in > 100 and first.tokens_out > 0
        annotations = store.annotations(kind=AnnotatorKind.TEACHER)
        assert {a.annotator.name for a in annotations} == {"local:smollm2-135m"}
        for annotation in annotations:
            assert annotation.status is AnnotationStatus.OK
            text = next(d.text for d in DOCS if d.id == annotation.document_id)
            for span in annotation.spans:  # whatever the tiny model said, what was kept is in the text
                span.check(text)
                assert span.label in ("PER", "ORG", "LOC", "MISC")
        # resume: the first two come from the cache at zero tokens, only the rest are called
        second = asyncio.run(teacher_run(store, server).run(DOCS))
        assert (second.cached, second.annotated, second.calls) == (2, 2, 2)
        assert len(store.annotations(kind=AnnotatorKind.TEACHER)) == 4


def ask_once(endpoint: OpenAIEndpoint):
    """One extraction of a two-entity sentence at temperature 0; the endpoint is closed after."""

    async def ask():
        try:
            return await endpoint.extract(
                [{"role": "user", "content": "List the entities: Marie Curie moved to Paris."}],
                entities_model(("PER", "LOC")),
                temperature=0.0,
                seed=0,
            )
        finally:
            await endpoint.close()

    return asyncio.run(ask())


def test_the_real_server_returns_token_logprobs_for_span_scores(server, tmp_path):
    """Without them one sample gives every document the same confidence (llama.cpp's server
    sends logprobs only when top_logprobs is asked for too)."""
    url, alias = server
    endpoint = OpenAIEndpoint(url, alias, mode="grammar", timeout_s=120, max_output_tokens=64)
    extraction = ask_once(endpoint)
    assert extraction.token_logprobs, "no token logprobs came back"
    assert "".join(token for token, _ in extraction.token_logprobs) == extraction.arguments
    assert all(logprob <= 0.0 for _, logprob in extraction.token_logprobs)


def test_the_real_server_takes_the_penalised_re_ask_of_a_cut_off_answer(server):
    """A cap of 8 tokens cuts off any answer with an entity in it: llama.cpp's server must accept
    the re-ask's frequency_penalty (a server that refused it would answer 400), and the cut-off
    answers are both paid for."""
    url, alias = server
    endpoint = OpenAIEndpoint(url, alias, mode="grammar", timeout_s=120, max_output_tokens=8, logprobs=False)
    with pytest.raises(PermanentError) as failure:
        ask_once(endpoint)
    assert failure.value.reason.startswith(
        "answer cut off at max_output_tokens=8, also when asked again with frequency_penalty=0.5"
    )
    assert (failure.value.tokens_out, failure.value.tokens_in > 0) == (16, True)


def test_constrained_decoding_on_a_real_grammar_leaves_no_invalid_span(server, tmp_path):
    """SmolLM2 invents entities freely; with the substring enum llama.cpp's grammar cannot."""
    with Store(f"sqlite:///{tmp_path / 'local.db'}") as store:
        store.add_documents(DOCS)
        free = asyncio.run(teacher_run(store, server).run(DOCS))
        constrained = asyncio.run(teacher_run(store, server, constrain=True).run(DOCS))
        assert constrained.annotated == len(DOCS) and constrained.failed == 0, constrained.failures
        assert constrained.proposed > 0 and constrained.invalid == 0
        assert free.proposed > 0  # the same model unconstrained, for the record: it may invent spans
        for annotation in store.annotations(kind=AnnotatorKind.TEACHER):
            text = next(d.text for d in DOCS if d.id == annotation.document_id)
            for span in annotation.spans:
                span.check(text)


def test_verification_on_a_real_server_returns_one_verdict_per_span(server, tmp_path):
    with Store(f"sqlite:///{tmp_path / 'local.db'}") as store:
        store.add_documents(DOCS)
        summary = asyncio.run(teacher_run(store, server, verify=True, constrain=True).run(DOCS))
        assert summary.failed == 0, summary.failures
        for annotation in store.annotations(kind=AnnotatorKind.TEACHER):
            verification = annotation.metadata["verification"]
            assert verification["failed"] == [], "the grammar fixes the number of verdicts"
            assert len(annotation.spans) <= verification["confirmed"]
        # one extraction per document, plus one verification where anything was found
        found = sum(1 for a in store.annotations(kind=AnnotatorKind.TEACHER) if a.metadata["candidates"])
        assert summary.calls == len(DOCS) + found


def test_the_alias_names_the_model_so_caches_never_mix():
    assert local_alias("qwen2.5-coder-0.5b") != local_alias("qwen2.5-coder-1.5b")
    assert local_alias("/models/my-model.Q4.gguf") == "local:my-model.Q4"


def test_unknown_model_names_the_known_ones():
    with pytest.raises(ModelError, match="qwen2.5-coder-0.5b"):
        resolve_model("no-such-model")


def test_a_server_that_cannot_start_says_why(tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a gguf file")
    with pytest.raises(LocalServerError, match="exited with code"):
        with local_teacher(str(broken), startup_timeout_s=60):
            pass


def test_a_killed_run_leaves_no_server_behind(tmp_path):
    """SIGKILL gives distil no chance to stop its server: the kernel does (PR_SET_PDEATHSIG)."""
    script = (
        "import os, time\n"
        "from teacher.local_server import local_teacher\n"
        "with local_teacher('smollm2-135m', context=512, threads=1, progress=lambda _: None):\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout.readline().strip() == "ready"
    children = Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()
    (server,) = [int(pid) for pid in children]
    assert Path(f"/proc/{server}").exists()
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _alive(server):
        time.sleep(0.2)
    assert not _alive(server), "the server outlived the run that started it"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    if state == "Z":  # exited; only its (dead) parent could have reaped it
        return False
    return True


def test_the_server_killed_mid_run_stops_the_run_with_its_signal_and_log(tmp_path):
    """kill -9 of the real llama.cpp process after the first document: the run stops at once (no
    retries per document, no failure records), saying the signal, the log's path and its tail."""
    from teacher import local_server
    from teacher.breaker import CircuitBreaker, TeacherHalted

    docs = [Document(f"Item {i}: Ada Lovelace visited Turin.") for i in range(12)]
    with local_teacher("smollm2-135m", context=2048, threads=2) as (url, alias):
        process, log_path = local_server._running[url]
        config = TeacherConfig(samples=1, concurrency=2, max_output_tokens=256, guidelines_style="brief",
                               few_shot=0, ensemble="off", max_retries=5)  # fmt: skip
        endpoint = OpenAIEndpoint.from_config(config, url, alias)
        breaker = CircuitBreaker(health=lambda: local_server.server_gone(url))
        with Store(f"sqlite:///{tmp_path / 'local.db'}") as store:
            store.add_documents(docs)
            run = TeacherRun(store, load_guidelines("general"), endpoint, config, breaker=breaker)
            started = time.monotonic()
            with pytest.raises(TeacherHalted) as halted:
                asyncio.run(run.run(docs, progress=lambda: process.send_signal(signal.SIGKILL)))
            elapsed = time.monotonic() - started
            failed = [
                a
                for a in store.annotations(kind=AnnotatorKind.TEACHER)
                if a.status is AnnotationStatus.FAILED
            ]
    message = halted.value.reason
    assert "was killed by SIGKILL" in message and f"log: {log_path}" in message and "  | " in message
    assert failed == [], [a.error for a in failed]
    assert halted.value.summary.annotated <= 2
    assert elapsed < 60, "stopped at once, not after retrying every document"


STAND_IN = """
import json, os, signal, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # /v1/models answers, as llama.cpp's does before any prompt
        body = json.dumps({"object": "list", "data": [{"id": "local:x"}]}).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # the first real prompt: the CPU kernel faults, as AMX does on some VMs
        print("ggml: running the first prompt", flush=True)
        os.kill(os.getpid(), signal.SIGSEGV)

HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def test_healthy_means_a_real_answer_not_a_models_list(tmp_path, monkeypatch):
    """A scripted stand-in for what a real server will not do on demand: answer /v1/models, then
    crash with SIGSEGV on the first prompt (what native AMX kernels did on our Intel VMs)."""
    from teacher import local_server

    script = tmp_path / "stand_in.py"
    script.write_text(STAND_IN, encoding="utf-8")
    monkeypatch.setattr(local_server, "resolve_model", lambda model, progress: tmp_path / "x.gguf")
    monkeypatch.setattr(
        local_server,
        "server_command",
        lambda gguf, alias, port, context, threads: [sys.executable, str(script), str(port)],
    )
    with pytest.raises(LocalServerError) as failure:
        with local_teacher("x.gguf", startup_timeout_s=30):
            pytest.fail("a server that crashes on its first prompt is not healthy")
    message = str(failure.value)
    assert "on its first prompt" in message and "killed by SIGSEGV" in message
    assert "rebuild llama.cpp for any AVX2 CPU" in message and "ggml: running the first prompt" in message
