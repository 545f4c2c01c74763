"""What an annotator sees and does in Argilla's own web UI, in a real browser (Debian's Chromium,
driven by Playwright) against the real argilla-server of the test session: `distil review push`
prints the dataset's URL; the annotator logs in and finds the least confident record first, the
text with the teacher's spans as suggestions, why it was routed, the routing metadata and
distil's full guidelines; corrects one record (removes a wrong span, adds a missing one) and
accepts another through the UI; `distil review pull` stores exactly that, and training takes it.

DISTIL_REVIEW_SCREENSHOTS=<folder> writes README's pictures from this very session."""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager

import pytest

from corpus.guideline_files import load_guidelines
from corpus.model import Annotation, Annotator, AnnotatorKind, Document, Span
from corpus.store import Store
from flows.settings import load_settings
from student.data import build_training_set
from tests.flows.test_cli import distil

pytestmark = pytest.mark.slow
SORTED = re.escape("sort=metadata.teacher_confidence.asc")  # least confident first
CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
TEACHER = Annotator(AnnotatorKind.TEACHER, "local:qwen2.5-1.5b")
# text: (teacher spans, confidence, second opinion); "today" as PER is the teacher's mistake
CORRECT = "Bob works in Oslo today."
ACCEPT = "Ann lives in Rome."
UNTOUCHED = "Cleo met Dan in Lima."
DOCS = {
    CORRECT: ([Span(0, 3, "PER", 1.0), Span(18, 23, "PER", 0.34)], 0.3, {"agreed": 1, "teacher_only": 1}),
    ACCEPT: ([Span(0, 3, "PER", 1.0), Span(13, 17, "LOC", 1.0)], 0.5, {"agreed": 2, "teacher_only": 0}),
    UNTOUCHED: ([Span(0, 4, "PER", 1.0), Span(16, 20, "LOC", 1.0)], 0.6, {"agreed": 2, "teacher_only": 0}),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory, argilla):
    """A project whose three documents the teacher labelled; all three go to review."""
    with _project(tmp_path_factory.mktemp("screen"), "screen", DOCS, argilla) as made:
        yield made


@contextmanager
def _project(root, name: str, docs: dict, argilla, review: str = ""):
    """A project named `name` (its own Argilla dataset) holding the teacher's labels of `docs`, all
    routed to review (`review`: more `[review]` settings)."""
    url, key = argilla
    (root / "distil.toml").write_text(
        f'guidelines = "guidelines.md"\n[review]\napi_url = "{url}"\nthreshold = 0.9\naudit_fraction = 0\n'
        + review,
        encoding="utf-8",
    )
    source = load_guidelines("general").source.replace("name: general", f"name: {name}", 1)
    (root / "guidelines.md").write_text(source, encoding="utf-8")
    guidelines = load_guidelines(root / "guidelines.md")
    with Store(load_settings(root).store_url) as store:
        store.add_documents([Document(text, source="letters.txt") for text in docs])
        store.save_annotations([_teacher(guidelines.version, text, *entry) for text, entry in docs.items()])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ARGILLA_API_KEY", key)  # the key stays out of distil.toml, as users keep it
        yield root, guidelines


def _teacher(version, text, spans, confidence, opinion, weighed: int | None = None) -> Annotation:
    ensemble = {"opinion": "student:first-round", "other_only": 0, **opinion}
    metadata = {"samples": 3, "ensemble": ensemble} | ({"weighed_spans": weighed} if weighed else {})
    return Annotation(Document(text).id, TEACHER, spans, guidelines_version=version, confidence=confidence,
                      metadata=metadata)  # fmt: skip


@pytest.fixture(scope="module")
def pushed(project, argilla):
    root, _ = project
    result = distil("review", "push", "--project", root)
    assert result.exit_code == 0, result.output
    assert "pushed 3" in result.output
    url = re.search(r"review at (\S+)", result.output).group(1)
    assert re.fullmatch(
        rf"{re.escape(argilla[0])}/dataset/[0-9a-f-]+/annotation-mode\?.*sort=metadata.teacher_confidence.asc",
        url,
    ), url
    return url


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module (Playwright's sync API runs one at a time in a thread)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(pushed, argilla, browser):
    page = signed_in(browser, argilla[0])
    page.goto(pushed)
    page.locator(".span-annotation__field").first.wait_for()
    yield page
    page.close()


def signed_in(browser, url: str):
    """A page of `browser` signed in to Argilla as the annotator annie."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(30_000)
    page.goto(f"{url}/sign-in")
    page.locator("input[type=text]").fill("annie")
    page.locator("input[type=password]").fill("annie-password")
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/$"))
    return page


def screenshot(page, name: str) -> None:
    folder = os.environ.get("DISTIL_REVIEW_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, name))


def suggested(page) -> list[str]:
    """The labels under the spans of the record on screen, marked as suggestions."""
    spans = page.locator(".span-entity__wrapper")
    return [
        spans.nth(i).locator(".span-entity__text").inner_text()
        + ("*" if spans.nth(i).locator(".span-entity__suggestion").count() else "")
        for i in range(spans.count())
    ]


def test_the_least_confident_record_comes_first_with_the_teachers_spans_as_suggestions(page):
    assert page.locator(".span-annotation__field").first.inner_text() == CORRECT
    assert suggested(page) == ["PER*", "PER*"]
    assert page.get_by_text("Mark every entity").is_visible()
    labels = page.locator(".questions-form").inner_text()
    assert all(label in labels for label in ("PER", "ORG", "LOC", "MISC"))


def test_why_the_record_is_here_is_on_the_record(page):
    why = page.locator(".text_field_component", has_text="Why you see this").inner_text()
    assert "confidence 0.30 < 0.9" in why
    assert "teacher confidence 0.30" in why and "3 samples disagreed on 50%" in why
    assert "student:first-round agreed on 1 span(s); 1 found by the teacher only" in why
    screenshot(page, "review_record.png")


def test_the_routing_metadata_is_one_click_away(page):
    page.locator("button.record-menu__header").click()
    page.get_by_text("View metadata").click()
    text = page.locator("div", has_text="Record info").filter(has_text="routing_reason").last.inner_text()
    # doubtful_spans: (1 - 0.3) x its 2 spans, for sorting by the errors the teacher expects
    for name, value in [("teacher_confidence", "0.3"), ("doubtful_spans", "1.4"), ("disagreement", "0.5"),
                        ("second_opinion", "differs"), ("source", "letters.txt"),
                        ("routing_reason", "confidence 0.30")]:  # fmt: skip
        assert re.search(rf"{name}\s+{re.escape(value)}", text), (name, text)
    page.keyboard.press("Escape")
    page.mouse.click(5, 400)  # closes the menu wherever Escape does not


def test_the_guidelines_panel_holds_distils_full_guidelines(page, project):
    _, guidelines = project
    page.locator("button.panel__header", has_text="Guidelines").first.click()
    panel = page.locator(".panel__content").first
    panel.wait_for()
    text = panel.inner_text()
    per = guidelines.label("PER")
    assert guidelines.title in text
    assert per.definition.split(".")[0] in text
    assert "Mark names, not descriptions" in text  # a general rule
    assert "Not PER" in text  # the counter-examples' heading
    bar = page.locator(".resizable-h__bar").first.bounding_box()  # drag the panel open, as a reader does
    page.mouse.move(bar["x"] + 50, bar["y"] + 2)
    page.mouse.down()
    page.mouse.move(bar["x"] + 50, 200, steps=5)
    page.mouse.up()
    screenshot(page, "review_guidelines.png")
    page.locator("button.panel__header", has_text="Guidelines").first.click()


def test_an_annotator_corrects_one_record_and_accepts_the_next(page, project, argilla):
    from playwright.sync_api import expect

    # remove the teacher's wrong "today" (PER), add the missing "Oslo" (LOC), submit
    wrong = page.locator(".span-entity__wrapper").nth(1)
    wrong.locator(".span-entity__text").hover()  # the remove button shows on hover, as for a person
    wrong.locator(".span-entity__close-button").click()
    assert suggested(page) == ["PER*"]
    _choose_label(page, "LOC")
    _select_word(page, "Oslo")
    expect(page.locator(".span-entity__text", has_text="LOC")).to_be_visible()
    assert [s.rstrip("*") for s in suggested(page)] == ["PER", "LOC"]
    page.get_by_role("button", name=re.compile("Submit")).click()
    page.wait_for_function(f"() => !document.body.innerText.includes({CORRECT!r})")
    # the next record, the teacher's spans accepted as they are
    assert page.locator(".span-annotation__field").first.inner_text() == ACCEPT
    page.get_by_role("button", name=re.compile("Submit")).click()
    page.wait_for_function(f"() => !document.body.innerText.includes({ACCEPT!r})")

    root, guidelines = project
    result = distil("review", "pull", "--project", root)
    assert result.exit_code == 0, result.output
    assert "pulled 2 submitted, 0 discarded" in result.output
    with Store(load_settings(root).store_url) as store:
        human = {a.document_id: a for a in store.annotations(kind=AnnotatorKind.HUMAN)}
        assert set(human) == {Document(CORRECT).id, Document(ACCEPT).id}
        assert human[Document(CORRECT).id].spans == [Span(0, 3, "PER"), Span(13, 17, "LOC")]
        assert human[Document(ACCEPT).id].spans == [Span(0, 3, "PER"), Span(13, 17, "LOC")]
        assert human[Document(CORRECT).id].annotator.name == "annie"
        data = build_training_set(store, guidelines.label_names, guidelines.version, dev_fraction=0,
                                  waiting_for_review={Document(UNTOUCHED).id})  # fmt: skip
    trained_on = {e.document.text: e for e in data.train}
    assert set(trained_on) == {CORRECT, ACCEPT}, "the record still out for review is not trained on"
    assert trained_on[CORRECT].origin == "human" and trained_on[CORRECT].spans == [
        Span(0, 3, "PER"),
        Span(13, 17, "LOC"),
    ]


def _choose_label(page, label: str) -> None:
    """Click the label's button unless it is the one chosen already (a click would unchoose it)."""
    from playwright.sync_api import expect

    radio = page.locator(f"#entities-2d-{'-'.join(label.lower())}")
    if not radio.is_checked():
        page.locator(".questions-form").get_by_text(label, exact=True).click()
    expect(radio).to_be_checked()


def _select_word(page, word: str) -> None:
    """Drag the mouse across `word` in the record's text, as an annotator selects it."""
    box = page.evaluate(
        """(word) => {
            const field = document.querySelector('.span-annotation__field');
            const node = field.firstChild, start = node.textContent.indexOf(word);
            const range = document.createRange();
            range.setStart(node, start); range.setEnd(node, start + word.length);
            const r = range.getBoundingClientRect();
            return {left: r.left, right: r.right, y: r.top + r.height / 2};
        }""",
        word,
    )
    # at a person's pace: the page reads the selection on its own schedule, and a drag done in a
    # few milliseconds on a busy machine was sometimes over before it looked
    page.mouse.move(box["left"] + 1, box["y"])
    page.mouse.down()
    page.wait_for_timeout(150)
    page.mouse.move(box["right"] - 1, box["y"], steps=10)
    page.wait_for_timeout(150)
    page.mouse.up()


# in doubt order the long sentence whose eight span decisions the teacher weighed goes first:
# (1 - 0.5) x 8 = 4.0 doubtful spans, against (1 - 0.3) x 2 = 1.4 for the less confident short one
DENSE = "Ann, Bob and Cleo met Dan and Eve in Rome, then Oslo, then Lima."
SHORT = "Eva left Paris."
DOUBT_DOCS = {
    DENSE: (
        [Span(0, 3, "PER", 1.0), Span(5, 8, "PER", 1.0), Span(37, 41, "LOC", 0.5)],
        0.5,
        {"agreed": 3},
        8,
    ),
    SHORT: ([Span(0, 3, "PER", 1.0), Span(9, 14, "LOC", 0.5)], 0.3, {"agreed": 1}, 2),
}


def test_in_doubt_order_the_url_opens_the_most_doubtful_record_first(tmp_path, argilla, browser):
    with _project(tmp_path, "screen-doubt", DOUBT_DOCS, argilla, 'order = "doubt"\n') as (root, _):
        result = distil("review", "push", "--project", root)
    assert result.exit_code == 0, result.output
    url = re.search(r"review at (\S+)", result.output).group(1)
    assert url.endswith("sort=metadata.doubtful_spans.desc"), url
    page = signed_in(browser, argilla[0])
    # the same dataset sorted as the confidence order would: the sort, not the push order, decides
    page.goto(url.replace("metadata.doubtful_spans.desc", "metadata.teacher_confidence.asc"))
    assert page.locator(".span-annotation__field").first.inner_text() == SHORT
    page.goto(url)
    page.wait_for_function(f"() => document.body.innerText.includes({DENSE!r})")
    assert page.locator(".span-annotation__field").first.inner_text() == DENSE
    page.close()
