"""`distil demo` on embedded defaults: a fresh folder, no server, no key."""

from __future__ import annotations

from typer.testing import CliRunner

from flows.cli import app


def table_rows(output: str) -> dict[str, str]:
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│") if cell.strip()]
        if len(cells) == 2:
            rows[cells[0]] = cells[1]
    return rows


def test_demo_sets_up_a_project_and_ingests_its_corpus(tmp_path, monkeypatch):
    monkeypatch.delenv("DISTIL_DATABASE_URL", raising=False)
    runner = CliRunner()
    first = runner.invoke(app, ["demo", str(tmp_path / "demo")], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert (tmp_path / "demo" / ".distil" / "distil.db").exists()
    rows = table_rows(first.output)
    assert rows["raw documents in the pool"] == "60"
    assert rows["human validation documents (held out)"] == "30"
    assert rows["human validation entities"] == "67"
    second = runner.invoke(app, ["demo", str(tmp_path / "demo")], catch_exceptions=False)
    assert second.exit_code == 0
    assert table_rows(second.output) == rows, "a second run adds nothing twice"
