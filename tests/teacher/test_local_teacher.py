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

from corpus.guidelines import load_guidelines
from corpus.model import AnnotationStatus, AnnotatorKind, Document
from corpus.store import Store
from teacher.annotate import TeacherRun
from teacher.config import TeacherConfig
from teacher.endpoint import OpenAIEndpoint, PermanentError
from teacher.local_server import LocalServerError, local_alias, local_teacher
from teacher.models import ModelError, resolve_model
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
        assert constrained.candidates > 0 and constrained.invalid == 0
        assert free.candidates > 0  # the same model unconstrained, for the record: it may invent spans
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
