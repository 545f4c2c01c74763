"""`distil demo` on embedded defaults: a fresh folder, no server, no key, no GPU; the whole
pipeline runs and the summary says where the bundle is.

The README's demo uses the packaged Qwen2.5-0.5B teacher (the time README states, DEMO_MINUTES);
here the environment swaps in SmolLM2-135M and a shorter training run, the overrides any
user has, so CI runs the same command end to end in a few minutes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from export.bundle import read_meta, verify_bundle
from flows.cli.app import app
from flows.demo_run import DEMO_MINUTES

pytestmark = pytest.mark.slow


def table_rows(output: str) -> dict[str, str]:
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│") if cell.strip()]
        if len(cells) == 2:
            rows[cells[0]] = cells[1]
    return rows


@pytest.fixture
def ephemeral_prefect():
    """The demo runs on Prefect's ephemeral API, as users get it; stop that server here, while
    the test's output streams are open (at interpreter exit its goodbye log hits a closed file)."""
    yield
    from prefect.server.api.server import SubprocessASGIServer

    SubprocessASGIServer().stop()


def test_demo_runs_the_whole_pipeline_and_prints_the_summary(tmp_path, monkeypatch, ephemeral_prefect):
    monkeypatch.delenv("DISTIL_DATABASE_URL", raising=False)
    monkeypatch.delenv("ARGILLA_API_URL", raising=False)
    monkeypatch.setenv("DISTIL_TEACHER__LOCAL_MODEL", "smollm2-135m")
    monkeypatch.setenv("DISTIL_TEACHER__GUIDELINES_STYLE", "brief")
    # under the schema's grammar SmolLM2 can write until max_tokens: a short cap keeps CI quick
    # (such a document fails alone, the run goes on)
    monkeypatch.setenv("DISTIL_TEACHER__MAX_OUTPUT_TOKENS", "192")
    monkeypatch.setenv("DISTIL_STUDENT__MAX_STEPS", "30")
    monkeypatch.setenv("DISTIL_EXPORT__F1_BUDGET", "100")  # SmolLM2's labels make a near-zero student
    directory = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", str(directory)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"About {DEMO_MINUTES} minutes" in result.output and "local in-process API" in result.output
    assert re.search(
        r"^stages: ingest \d+ s, .*train \d+ s, .*teacher on validation \d+ s$", result.output, re.M
    )
    rows = table_rows(result.output)
    assert rows["pool documents (raw)"] == "60"
    assert rows["human validation documents (held out)"] == "30"
    assert re.fullmatch(r"0\.\d{3}|1\.000", rows["teacher F1 on validation (strict)"])
    assert re.fullmatch(r"0\.\d{3}|1\.000", rows["student F1 on validation (strict)"])
    assert float(rows["latency per sentence, batch 1 (CPU)"].split()[0]) > 0
    pytorch = float(rows["student size, PyTorch fp32"].split()[0])
    (bundle_row,) = [k for k in rows if k.startswith("bundle size, ONNX")]
    assert float(rows[bundle_row].split()[0]) * 3.5 < pytorch, "INT8 ships, under a third of the size"
    paths = dict(re.findall(r"^(bundle|production path): (.+)$", result.output, re.MULTILINE))
    bundle = Path(paths["bundle"])
    assert verify_bundle(bundle) == [] and read_meta(bundle)["format"] in ("int8", "int8-selective")
    assert Path(paths["production path"]).resolve() == bundle.resolve()
    assert "promotion: promoted: no model in production yet" in result.output
    assert int(rows["documents waiting for review"]) > 0
    assert "no Argilla configured" in result.output, "review items stay queued, and the demo says so"

    again = CliRunner().invoke(app, ["demo", str(directory)], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert f"bundle: {bundle}" in again.output, "nothing new: the same model is kept"
