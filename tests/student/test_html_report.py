"""The HTML evaluation report, opened in a real browser (Chromium, driven by Playwright): one file
that renders its tables and plots with no network, the student beside production and the teacher
on the same documents, and example errors with gold and predicted spans highlighted."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from flows.export_step import promote
from flows.project import Project
from flows.settings import load_settings
from flows.student_step import evaluate

pytestmark = pytest.mark.slow
CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def report(trained_students, exported_bundles, tmp_path_factory) -> Path:
    """The good student evaluated in a copy of the project where the weak one is in production."""
    root, good, weak = trained_students
    copy = Path(shutil.copytree(root, tmp_path_factory.mktemp("report") / "project", symlinks=True))
    with Project(load_settings(copy)) as project:
        promote(project, weak.path.name, force=True, reason="the report compares against production")
        evaluation = evaluate(project, copy / good.path.relative_to(root))
    assert evaluation.html.name == "report.html"
    return evaluation.html


@pytest.fixture(scope="module")
def page(report):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(report.as_uri())
        page.wait_for_load_state("load")
        page.requests = requests
        yield page
        if os.environ.get("DISTIL_REPORT_SCREENSHOT"):  # README's picture, from this very page
            page.screenshot(path=os.environ["DISTIL_REPORT_SCREENSHOT"], full_page=False)
        browser.close()


def test_it_is_one_file_with_no_network(page, report):
    assert page.requests == [report.as_uri()]


def test_scores_put_the_student_beside_production_and_the_teacher(page):
    rows = page.locator("#scores tbody tr")
    names = [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())]
    assert names[0] == "student" and names[1].startswith("production (") and "teacher" in names
    f1 = rows.nth(0).locator("td").nth(3).inner_text()
    assert len(f1) == 5 and 0 < float(f1) <= 1  # 0-1, three decimals, as everywhere
    assert rows.nth(1).locator("td").nth(6).inner_text().endswith("points")


def test_plots_render(page):
    plots = page.locator(".plot svg")
    assert plots.count() >= 3  # per-label bars, training curve, threshold sweep
    for index in range(plots.count()):
        box = plots.nth(index).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100
    assert page.locator("#per-label tbody tr").count() == 4
    assert page.locator("#training tbody tr").count() >= 3


def test_the_threshold_section_says_what_dev_chose_and_what_it_cost_held_out(page):
    section = page.locator("h3:has-text('Decision threshold') + p")
    assert section.inner_text().startswith("Threshold chosen on dev: ")
    assert "held-out F1 with one threshold for every label: " in section.inner_text()
    legend = page.locator("h3:has-text('Decision threshold') ~ .plot svg").first.inner_html()
    assert "held out" in legend and "chosen (" in legend  # both curves, the choice marked


def test_example_errors_highlight_gold_and_predicted_spans(page):
    examples = page.locator(".example")
    assert 0 < examples.count() <= 20
    first = examples.first
    assert first.locator("mark.gold").count() + first.locator("mark.pred").count() > 0
    assert any(kind in first.inner_text() for kind in ("missed", "spurious", "wrong label"))
    label = (first.locator("mark sup").first.inner_text()).strip()
    assert label in {"PER", "ORG", "LOC", "MISC"}


def test_error_kinds_say_what_went_wrong_span_by_span():
    from corpus.model import Span
    from student.html_report import error_examples

    text = "Ada met Bob in Paris"
    gold = [[Span(0, 3, "PER"), Span(8, 11, "PER"), Span(15, 20, "LOC")]]
    predicted = [[Span(0, 3, "PER"), Span(8, 11, "ORG"), Span(4, 7, "MISC")]]
    (example,) = error_examples([text, "Right"], [*gold, []], [*predicted, []])
    assert example.kinds == [
        "wrong label 'Bob': PER, predicted ORG",
        "missed 'Paris' (LOC)",
        "spurious 'met' (MISC)",
    ]


def test_distil_report_prints_the_report_it_has(report):
    from typer.testing import CliRunner

    from flows.cli.app import app

    root = next(parent.parent for parent in report.parents if parent.name == ".distil")
    model = report.parent.parent
    result = CliRunner().invoke(app, ["report", str(model), "-p", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(report.resolve())


def test_an_averaged_checkpoint_is_named_as_such_in_the_training_table():
    from student.html_report import ReportData, _curves

    log = [{"step": 0, "dev_f1": 0.0, "loss": None}, {"step": 40, "dev_f1": 0.3, "loss": 1.5},
           {"step": 80, "dev_f1": 0.4, "loss": 1.2},
           {"step": 80, "dev_f1": 0.45, "loss": None, "averaged": 2}]  # fmt: skip
    html = _curves(ReportData("t", ("PER",), {}, log, None, []))
    assert "<td>80, mean of the last 2</td>" in html and "<td>80</td>" in html
    assert html.count("<div class=plot>") == 1, "one training plot, the average a marker on it"
