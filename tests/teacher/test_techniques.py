"""The teacher's quality techniques, their mechanics: constrained decoding never yields an
invalid span, retrieval never puts a held-out document in a prompt, verification drops what
the model rejects, one question per label asks about one label at a time.

The endpoint is the scripted OpenAI-compatible server (a real model cannot be made to reject a
chosen span on demand); the embedder is the real all-MiniLM-L6-v2. The real llama.cpp server
runs the same techniques in tests/teacher/test_local_teacher.py.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.guideline_files import load_guidelines
from corpus.model import Annotation, Annotator, AnnotatorKind, Document, LabelledDocument, Span, Split
from corpus.store import Store
from teacher.annotate import TeacherRun
from teacher.config import TeacherConfig
from teacher.endpoint import OpenAIEndpoint
from teacher.fewshot import ExamplePool, SentenceEmbedder
from teacher.gguf_files import ModelError
from teacher.localize import localize
from teacher.prompt import shot_answer
from teacher.schema import entities_model
from teacher.word_runs import substring_candidates

GUIDELINES = load_guidelines("general")
LABELS = GUIDELINES.label_names


@pytest.fixture(scope="module")
def embedder():
    return SentenceEmbedder()


def run(store, fake, docs, embedder=None, **overrides):
    config = TeacherConfig(**{"samples": 1, "concurrency": 1, "timeout_s": 5.0, "few_shot": 0, **overrides})
    endpoint = OpenAIEndpoint(fake.url, "fake-teacher", timeout_s=5.0, validation_retries=1)
    store.add_documents(docs)
    return asyncio.run(TeacherRun(store, GUIDELINES, endpoint, config, embedder=embedder).run(docs))


def teacher(store, doc):
    (annotation,) = store.annotations(kind=AnnotatorKind.TEACHER, document_ids=[doc.id])
    return annotation


def user_messages(fake) -> list[str]:
    return [m["content"] for r in fake.requests for m in r["body"]["messages"] if m["role"] == "user"]


# -- constrained decoding ------------------------------------------------------------------


def test_candidates_cover_multiword_names_and_abbreviations():
    text = "The U.S. Army met Acme Inc. in São Paulo, O'Brien said."
    found = substring_candidates(text)
    for name in ["U.S. Army", "Acme Inc.", "Acme Inc", "São Paulo", "O'Brien"]:
        assert name in found
    assert "Paulo, O'Brien" not in found, "runs do not cross a comma"
    assert not any(c.startswith((" ", ",", ".")) or c.endswith((" ", ",")) for c in found)


def test_long_documents_get_shorter_runs_within_the_limit():
    text = " ".join(f"word{i}" for i in range(400))
    assert len(substring_candidates(text, max_words=6, limit=1500)) <= 1500
    assert "word1 word2" in substring_candidates(text, max_words=6, limit=1500)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(list("ab .,-'()é") + ["Paris", "U.S."]), max_size=30).map("".join),
    st.data(),
)
def test_any_constrained_answer_lands_in_the_text(text, data):
    candidates = substring_candidates(text)
    if not candidates:
        return
    model = entities_model(LABELS, candidates)
    chosen = data.draw(st.lists(st.sampled_from(candidates), max_size=6))
    answer = model.model_validate({"entities": [{"text": c, "label": "LOC"} for c in chosen]})
    located = localize(text, answer.entities, LABELS)
    assert located.invalid == 0
    for span in located.spans:
        span.check(text)


def test_the_constrained_schema_enumerates_substrings_and_asks_no_occurrence():
    schema = entities_model(LABELS, ["Paris", "New York"]).model_json_schema()
    entity = schema["$defs"]["Entity"]["properties"]
    assert entity["text"]["enum"] == ["Paris", "New York"]
    assert entity["label"]["enum"] == list(LABELS)
    assert "occurrence" not in entity


def test_repeated_mentions_without_occurrence_are_placed_in_order():
    text = "Paris, then Paris again."
    model = entities_model(LABELS, substring_candidates(text))
    answer = model.model_validate({"entities": [{"text": "Paris", "label": "LOC"}] * 3})
    located = localize(text, answer.entities, LABELS)
    assert [s.start for s in located.spans] == [0, 12]
    assert located.invalid == 0, "a third 'Paris' is a repeat, not an invalid span"


def test_constrained_run_sends_the_enum_to_the_endpoint(store_url, fake):
    doc = Document("Ada Lovelace lived in London.")
    fake.answers["Ada"] = [{"text": "Ada Lovelace", "label": "PER"}, {"text": "London", "label": "LOC"}]
    with Store(store_url) as store:
        summary = run(store, fake, [doc], constrain=True)
        spans = teacher(store, doc).spans
    tool = fake.requests[0]["body"]["tools"][0]["function"]["parameters"]
    assert "London" in tool["$defs"]["Entity"]["properties"]["text"]["enum"]
    assert [doc.text[s.start : s.end] for s in spans] == ["Ada Lovelace", "London"]
    assert summary.invalid == 0


# -- few-shot retrieval ------------------------------------------------------------------------


@pytest.fixture
def store_url(tmp_path):
    return f"sqlite:///{tmp_path / 'techniques.db'}"


def seed_reviews(store: Store) -> tuple[Document, Document]:
    """A reviewed POOL document and a human-labelled VALIDATION document about the same thing."""
    reviewed = Document("The Boston Celtics beat the Chicago Bulls in overtime.")
    held_out = Document("The Boston Celtics beat the Chicago Bulls in overtime on Sunday.")
    spans = [Span(4, 18, "ORG"), Span(28, 41, "ORG")]
    human = Annotator(AnnotatorKind.HUMAN, "reviewer")
    store.add_documents([reviewed])
    store.add_labelled([LabelledDocument(held_out, tuple(spans))], Split.VALIDATION, human)
    # both carry a human annotation under the current guidelines: only the split tells them apart
    store.save_annotations(
        [Annotation(d.id, human, spans, guidelines_version=GUIDELINES.version) for d in (reviewed, held_out)]
    )
    return reviewed, held_out


def test_an_embedder_that_cannot_load_says_how_to_go_on(tmp_path):
    with pytest.raises(ModelError, match="could not be loaded") as raised:
        SentenceEmbedder(str(tmp_path / "no-such-model"))
    assert "teacher.few_shot = 0" in str(raised.value) and "distil[offline]" in str(raised.value)


def test_retrieval_never_returns_held_out_documents(store_url, embedder):
    with Store(store_url) as store:
        reviewed, held_out = seed_reviews(store)
        pool = ExamplePool.build(GUIDELINES, store, embedder)
    query = "The Boston Celtics beat the Chicago Bulls in overtime on Sunday night."
    sources = {shot.source for shot in pool.shots}
    assert reviewed.id in sources and held_out.id not in sources
    assert not any(shot.text == held_out.text for shot in pool.shots)
    nearest = pool.nearest(query, 3)
    assert nearest[-1].source == reviewed.id, "the most similar shot comes last, next to the document"
    assert nearest[-1].entities == (("Boston Celtics", "ORG"), ("Chicago Bulls", "ORG"))
    assert all(shot.source != reviewed.id for shot in pool.nearest(query, 3, exclude=reviewed.id))


def test_no_held_out_sentence_enters_a_prompt(store_url, fake, embedder):
    new = Document("The Boston Celtics lost to the Chicago Bulls at home.")
    with Store(store_url) as store:
        reviewed, held_out = seed_reviews(store)
        run(store, fake, [new], embedder=embedder, few_shot=3)
    (request,) = fake.requests
    prompt = json.dumps(request["body"]["messages"])
    assert reviewed.text in prompt and held_out.text not in prompt
    assert "overtime on Sunday" not in prompt


def test_examples_are_earlier_turns_answered_in_the_response_format(store_url, fake, embedder):
    """Each example is a user turn and the assistant's answer in the schema asked for; the
    document is the last user turn, alone (small models copied inline examples' entities)."""
    new = Document("The Boston Celtics lost to the Chicago Bulls at home.")
    with Store(store_url) as store:
        reviewed, _ = seed_reviews(store)
        run(store, fake, [new], embedder=embedder, few_shot=3)
    turns = fake.requests[0]["body"]["messages"]
    roles = [t["role"] for t in turns]
    assert roles == ["system", *["user", "assistant"] * ((len(turns) - 2) // 2), "user"] and len(turns) > 2
    assert turns[-1]["content"] == f"Text:\n{new.text}"
    answers = {turns[i]["content"]: turns[i + 1]["content"] for i in range(1, len(turns) - 1, 2)}
    parsed = entities_model(LABELS).model_validate_json(answers[f"Text:\n{reviewed.text}"])
    assert [(e.text, e.label, e.occurrence) for e in parsed.entities] == [
        ("Boston Celtics", "ORG", 1),
        ("Chicago Bulls", "ORG", 1),
    ]


def test_a_shot_answer_numbers_repeats_and_leaves_numbers_out_when_constrained():
    text = "Paris Hilton left Paris for Paris, Texas."
    entities = [("Paris Hilton", "PER"), ("Paris", "LOC"), ("Paris, Texas", "LOC")]
    answer = json.loads(shot_answer(text, entities))["entities"]
    located = localize(text, entities_model(LABELS).model_validate({"entities": answer}).entities, LABELS)
    assert [text[s.start : s.end] for s in located.spans] == ["Paris Hilton", "Paris", "Paris, Texas"]
    assert [e["occurrence"] for e in answer] == [1, 2, 1]
    constrained = json.loads(shot_answer(text, entities, occurrence=False))["entities"]
    assert constrained[1] == {"text": "Paris", "label": "LOC"}
    assert json.loads(shot_answer(text, [])) == {"entities": []}


# -- verification ---------------------------------------------------------------------------


def test_verification_drops_what_the_model_rejects(store_url, fake):
    doc = Document("Maria Lopez visited the Louvre in Paris.")
    fake.answers["Maria"] = [
        {"text": "Maria Lopez", "label": "PER", "occurrence": 1},
        {"text": "Louvre", "label": "ORG", "occurrence": 1},
        {"text": "Paris", "label": "LOC", "occurrence": 1},
    ]
    fake.verdicts["Maria"] = [True, False, True]
    with Store(store_url) as store:
        summary = run(store, fake, [doc], verify=True)
        annotation = teacher(store, doc)
    assert [doc.text[s.start : s.end] for s in annotation.spans] == ["Maria Lopez", "Paris"]
    assert annotation.metadata["verification"] == {"confirmed": 2, "rejected": 1, "failed": []}
    assert annotation.confidence == pytest.approx((1.0 + 2 / 3) / 2, abs=1e-3)
    assert summary.calls == 2
    verify_prompt = user_messages(fake)[1]
    assert '1. "Maria Lopez" as PER' in verify_prompt and '2. "Louvre" as ORG' in verify_prompt
    schema = fake.requests[1]["body"]["tools"][0]["function"]["parameters"]["properties"]["correct"]
    assert (schema["minItems"], schema["maxItems"]) == (3, 3)


def test_unusable_verdicts_keep_the_spans_and_say_so(store_url, fake):
    doc = Document("Kenji Sato flew to Osaka.")
    fake.answers["Kenji"] = [{"text": "Kenji Sato", "label": "PER"}, {"text": "Osaka", "label": "LOC"}]
    fake.verdicts["Kenji"] = [True]  # one verdict for two spans, every time
    with Store(store_url) as store:
        summary = run(store, fake, [doc], verify=True)
        annotation = teacher(store, doc)
    assert summary.annotated == 1 and summary.failed == 0
    assert len(annotation.spans) == 2
    assert annotation.metadata["verification"]["failed"], "the failed verification is recorded"


def test_nothing_found_means_no_verification_call(store_url, fake):
    doc = Document("nothing to see here")
    with Store(store_url) as store:
        summary = run(store, fake, [doc], verify=True)
    assert summary.calls == 1


# -- one question per label -------------------------------------------------------------------


def test_per_label_asks_once_per_label_and_merges(store_url, fake):
    doc = Document("Nina Berg works for Volvo in Gothenburg.")
    fake.answers["Nina"] = [
        {"text": "Nina Berg", "label": "PER"},
        {"text": "Volvo", "label": "ORG"},
        {"text": "Gothenburg", "label": "LOC"},
    ]
    with Store(store_url) as store:
        summary = run(store, fake, [doc], per_label=True)
        annotation = teacher(store, doc)
    assert summary.calls == len(LABELS)
    assert summary.invalid == 3 * len(LABELS) - 3, "an answer's other labels do not count for that question"
    asked = [
        r["body"]["tools"][0]["function"]["parameters"]["$defs"]["Entity"]["properties"]["label"]["enum"]
        for r in fake.requests
    ]
    assert asked == [[label] for label in LABELS]
    assert all(
        f"Find only {label} entities" in m for label, m in zip(LABELS, user_messages(fake), strict=True)
    )
    assert {doc.text[s.start : s.end] for s in annotation.spans} == {"Nina Berg", "Volvo", "Gothenburg"}


def test_per_label_examples_show_only_that_label(store_url, fake, embedder):
    new = Document("The Boston Celtics lost to the Chicago Bulls at home.")
    with Store(store_url) as store:
        reviewed, _ = seed_reviews(store)
        run(store, fake, [new], embedder=embedder, few_shot=1, per_label=True)
    shown = {}
    for request in fake.requests:
        system, example, answer, document = request["body"]["messages"]
        label = document["content"].split()[2]  # "Find only ORG entities ..."
        assert example["content"].startswith(f"Find only {label} entities")
        assert reviewed.text in example["content"]
        shown[label] = [e["text"] for e in json.loads(answer["content"])["entities"]]
    assert shown == {label: ["Boston Celtics", "Chicago Bulls"] if label == "ORG" else [] for label in LABELS}


def test_techniques_change_the_cache_key_and_all_off_keeps_the_old_one():
    plain = TeacherConfig(ensemble="off")
    assert TeacherConfig(constrain=False, verify=False, ensemble="off").sampling_key() == plain.sampling_key()
    keys = {
        TeacherConfig(ensemble="off", **option).sampling_key()
        for option in [{}, {"constrain": True}, {"verify": True}, {"few_shot": 2}, {"per_label": True}]
    }
    assert len(keys) == 5
    assert json.dumps(plain.model_dump(mode="json"))  # the config stays serialisable for the run record


LOAD_IN_TWO_THREADS = """
import threading
from teacher.fewshot import SentenceEmbedder
start, loaded, errors = threading.Barrier(2), [], []
def load():
    start.wait()
    try:
        loaded.append(SentenceEmbedder.shared())
    except Exception as error:
        errors.append(repr(error))
threads = [threading.Thread(target=load) for _ in range(2)]
[t.start() for t in threads]
[t.join() for t in threads]
assert not errors, errors
assert loaded[0] is loaded[1], "loaded twice"
print(loaded[0].embed(["a sentence"]).shape)
"""


def test_two_threads_load_the_embedder_once():
    """A fresh process (transformers not yet imported), as in a worker's first two batches."""
    done = subprocess.run(
        [sys.executable, "-c", LOAD_IN_TWO_THREADS], capture_output=True, text=True, timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("(1, 384)")
