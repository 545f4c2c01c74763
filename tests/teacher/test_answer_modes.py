"""How the teacher asks for its answer (`instructor_mode`): tool calls for endpoints in
general, the schema's grammar (JSON content constrained by response_format) for the embedded
llama.cpp teacher, whose tool calls made the 1.5B answer with empty lists (BENCHMARKS.md).
And how entities are placed when the model numbers its list instead of the text's repeats.

The scripted server answers both ways over the real protocol; the real llama.cpp server runs
the grammar mode in tests/teacher/test_local_teacher.py.
"""

from __future__ import annotations

import asyncio
import json

from corpus.guideline_files import load_guidelines
from corpus.model import AnnotatorKind, Document
from corpus.store import Store
from teacher.annotate import TeacherRun
from teacher.config import TeacherConfig
from teacher.endpoint import OpenAIEndpoint
from teacher.localize import localize
from teacher.schema import Entity, entities_model

GUIDELINES = load_guidelines("general")


def annotate(db_url, fake, doc, config):
    endpoint = OpenAIEndpoint(fake.url, "fake-teacher", mode=config.mode, timeout_s=5.0, validation_retries=1)
    with Store(db_url) as store:
        store.add_documents([doc])
        summary = asyncio.run(TeacherRun(store, GUIDELINES, endpoint, config).run([doc]))
        (annotation,) = store.annotations(kind=AnnotatorKind.TEACHER)
    return summary, annotation


def test_auto_mode_is_the_grammar_on_the_embedded_teacher_and_tool_calls_elsewhere():
    assert TeacherConfig().mode == "grammar"
    assert TeacherConfig(base_url="http://host:8000/v1").mode == "tools"
    assert TeacherConfig(base_url="http://host:8000/v1", instructor_mode="json").mode == "json"
    assert TeacherConfig(instructor_mode="tools").mode == "tools"


def test_an_endpoint_built_from_a_config_carries_its_mode_limits_and_logprobs():
    """One mapping from config to client, so no caller can forget one (logprobs were forgotten)."""
    remote = TeacherConfig(
        base_url="http://host:8000/v1", timeout_s=7.5, validation_retries=4, max_output_tokens=99
    )
    endpoint = OpenAIEndpoint.from_config(remote, remote.base_url, "m", api_key="k")
    assert (endpoint.mode, endpoint.timeout_s, endpoint.validation_retries) == ("tools", 7.5, 4)
    assert (endpoint.max_output_tokens, endpoint.logprobs, endpoint.api_key) == (99, True, "k")
    # the embedded teacher: the grammar, and no logprobs unless asked (slow on llama.cpp's server)
    local = OpenAIEndpoint.from_config(TeacherConfig(), "http://127.0.0.1:1/v1", "local:m")
    assert (local.mode, local.logprobs) == ("grammar", False)
    assert OpenAIEndpoint.from_config(TeacherConfig(logprobs=True), "http://127.0.0.1:1/v1", "m").logprobs


def test_the_cache_key_holds_the_mode_in_use():
    remote = TeacherConfig(base_url="http://host:8000/v1")
    assert remote.sampling_key() == remote.model_copy(update={"instructor_mode": "tools"}).sampling_key()
    assert TeacherConfig().sampling_key() != TeacherConfig(instructor_mode="tools").sampling_key()


def test_grammar_mode_sends_the_schema_as_response_format_and_reads_the_content(db_url, fake):
    doc = Document("Ann Lee flew to Oslo.")
    fake.answers["Ann Lee"] = [{"text": "Ann Lee", "label": "PER"}, {"text": "Oslo", "label": "LOC"}]
    config = TeacherConfig(samples=1, concurrency=1, ensemble="off", few_shot=0)
    summary, annotation = annotate(db_url, fake, doc, config)
    (request,) = [r["body"] for r in fake.requests]
    assert "tools" not in request and "tool_choice" not in request
    response_format = request["response_format"]
    assert response_format["type"] == "json_object"
    entity = response_format["schema"]["$defs"]["Entity"]["properties"]
    assert entity["label"]["enum"] == list(GUIDELINES.label_names), "the grammar holds the label set"
    assert [(doc.text[s.start : s.end], s.label) for s in annotation.spans] == [
        ("Ann Lee", "PER"),
        ("Oslo", "LOC"),
    ]
    assert summary.tokens_out > 0


def test_verification_works_in_grammar_mode(db_url, fake):
    doc = Document("Ann Lee flew to Oslo.")
    fake.answers["Ann Lee"] = [{"text": "Ann Lee", "label": "PER"}, {"text": "flew", "label": "LOC"}]
    fake.verdicts["Ann Lee"] = [True, False]
    # names_only off: it would drop the lowercase "flew" before verification sees it
    config = TeacherConfig(
        samples=1, concurrency=1, ensemble="off", few_shot=0, verify=True, names_only=False
    )
    _, annotation = annotate(db_url, fake, doc, config)
    titles = [r["body"]["response_format"]["schema"]["title"] for r in fake.requests]
    assert titles == ["Entities", "Verdicts"]
    assert [doc.text[s.start : s.end] for s in annotation.spans] == ["Ann Lee"]


def test_tools_mode_asks_for_a_tool_call(db_url, fake):
    doc = Document("Ann Lee flew to Oslo.")
    fake.answers["Ann Lee"] = [{"text": "Oslo", "label": "LOC"}]
    config = TeacherConfig(samples=1, concurrency=1, ensemble="off", few_shot=0, instructor_mode="tools")
    _, annotation = annotate(db_url, fake, doc, config)
    (request,) = [r["body"] for r in fake.requests]
    assert request["tool_choice"]["function"]["name"] == "Entities" and "response_format" not in request
    assert [doc.text[s.start : s.end] for s in annotation.spans] == ["Oslo"]


def test_an_occurrence_the_text_lacks_is_placed_in_listing_order():
    text = "Cannabis, they said, sounds like Cannabis."
    # the model numbered its list (3rd and 4th entity) instead of the text's two repeats
    entities = [
        Entity(text="Cannabis", label="MISC", occurrence=3),
        Entity(text="Cannabis", label="MISC", occurrence=4),
    ]
    located = localize(text, entities, GUIDELINES.label_names)
    assert [(s.start, s.end) for s in located.spans] == [(0, 8), (33, 41)]
    assert located.invalid == 0


def test_a_valid_occurrence_still_picks_that_repeat():
    text = "Paris and Paris."
    located = localize(text, [Entity(text="Paris", label="LOC", occurrence=2)], GUIDELINES.label_names)
    assert [(s.start, s.end) for s in located.spans] == [(10, 15)]


def test_grammar_mode_json_survives_a_round_trip_through_the_fake(fake):
    """The scripted answer is the raw content: malformed content is re-asked like a bad tool call."""
    fake.script["Bad"] = [{"arguments": "{not json"}]
    fake.answers["Bad"] = [{"text": "Oslo", "label": "LOC"}]
    endpoint = OpenAIEndpoint(fake.url, "fake-teacher", mode="grammar", validation_retries=1)

    async def call():
        try:
            return await endpoint.extract(
                [{"role": "user", "content": "Bad text about Oslo"}],
                entities_model(GUIDELINES.label_names),
                temperature=0.0,
                seed=0,
            )
        finally:
            await endpoint.close()

    extraction = asyncio.run(call())
    assert [e.text for e in extraction.entities] == ["Oslo"] and len(fake.requests) == 2
    assert json.loads(extraction.arguments) == {"entities": [{"text": "Oslo", "label": "LOC"}]}


def test_an_answer_cut_off_at_max_tokens_twice_fails_that_document_and_the_batch_goes_on(db_url, fake):
    # a small model under the grammar can write until max_tokens; instructor raises on
    # finish_reason "length" (seen with SmolLM2-135M in the demo); the re-ask with a frequency
    # penalty (tests/teacher/test_faults.py) is cut off too here: one document's failure
    looping, fine = Document("Looping answer about Oslo."), Document("Fine Quito.")
    fake.script["Looping"] = [{"finish_reason": "length"}] * 2
    fake.answers["Looping"] = [{"text": "Oslo", "label": "LOC"}]
    fake.answers["Fine"] = [{"text": "Quito", "label": "LOC"}]
    config = TeacherConfig(
        samples=1, concurrency=1, ensemble="off", few_shot=0, max_retries=2, backoff_base_s=0.01
    )
    endpoint = OpenAIEndpoint(fake.url, "fake-teacher", mode="grammar", timeout_s=5.0, max_output_tokens=64)
    with Store(db_url) as store:
        store.add_documents([looping, fine])
        summary = asyncio.run(TeacherRun(store, GUIDELINES, endpoint, config).run([looping, fine]))
        annotations = {a.document_id: a for a in store.annotations(kind=AnnotatorKind.TEACHER)}
    assert summary.failed == 1 and summary.failures[0][0] == looping.id
    assert "cut off at max_output_tokens=64, also when asked again" in annotations[looping.id].error
    assert fake.calls_for("Looping") == 2, "a permanent failure: the same two asks would be cut off again"
    penalised = [r["body"] for r in fake.requests if "Looping" in r["text"]][1]
    assert penalised["frequency_penalty"] == 0.5
    assert penalised["response_format"]["schema"], "the re-ask is still under the grammar"
    assert [s.label for s in annotations[fine.id].spans] == ["LOC"]
