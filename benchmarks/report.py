"""BENCHMARKS.md is assembled from sections; each benchmark script rewrites only its own."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import textwrap
from datetime import date
from pathlib import Path

from export.latency import cpu_name

REPORT = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
PLOTS = Path(__file__).resolve().parent / "plots"
# the real corpora: next to the checkout, as the tests find them (DISTIL_SHARED_DATA overrides)
SHARED = Path(os.environ.get("DISTIL_SHARED_DATA", REPORT.parent.parent / "shared" / "data"))
HEADER = """# distil benchmarks

Produced by the scripts in `benchmarks/`; each section says the exact command that wrote it,
on what machine and when. Numbers are measurements, not goals: where a goal is missed the
section says so.
"""


def machine() -> str:
    cpu = cpu_name()
    try:
        memory = int(subprocess.run(["free", "-g"], capture_output=True, text=True).stdout.split()[7])
        memory_text = f", {memory} GiB"
    except (OSError, ValueError, IndexError):
        memory_text = ""
    return f"{cpu}, {os.cpu_count()} cores{memory_text}, Python {platform.python_version()}"


def write_section(name: str, title: str, command: str, body: str) -> None:
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else HEADER
    block = (
        f"<!-- section:{name} -->\n## {title}\n\n"
        f"`{command}` · {date.today().isoformat()} · {machine()}\n\n{body.strip()}\n<!-- /section:{name} -->"
    )
    pattern = re.compile(rf"<!-- section:{re.escape(name)} -->.*?<!-- /section:{re.escape(name)} -->", re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else f"{text.rstrip()}\n\n{block}\n"
    REPORT.write_text(text, encoding="utf-8")


def load_results(path: Path) -> dict:
    """A benchmark's measured rows so far (a re-run measures only what is missing)."""
    return json.loads(path.read_text()) if path.exists() else {}


def save_results(path: Path, results: dict) -> None:
    """Kept after every row: a long run can stop any time and go on later."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")


def wrapped(text: str) -> str:
    """One paragraph at 100 columns, whatever the names and numbers put into it."""
    return textwrap.fill(" ".join(text.split()), width=100, break_long_words=False, break_on_hyphens=False)


def table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def calibration_plot(curves: list[tuple[str, list]], title: str, name: str) -> str:
    """One PNG: per confidence band (fifths), the share of documents exactly right, a line per
    (label, [(confidence, exactly right), ...]) curve. Returns the markdown that shows it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5, 4))
    axes.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
    for label, pairs in curves:
        bands: dict[int, list[bool]] = {}
        for confidence, right in pairs:
            bands.setdefault(min(int(confidence * 5), 4), []).append(right)
        xs = sorted(bands)
        axes.plot(
            [(b + 0.5) / 5 for b in xs], [sum(bands[b]) / len(bands[b]) for b in xs], marker="o", label=label
        )
    axes.set(xlabel="teacher confidence", ylabel="documents exactly right", xlim=(0, 1), ylim=(0, 1))
    axes.set_title(title, fontsize=9)
    axes.legend(fontsize=6)
    PLOTS.mkdir(exist_ok=True)
    figure.tight_layout()
    figure.savefig(PLOTS / name, dpi=100)
    plt.close(figure)
    return f"![{title}](benchmarks/plots/{name})"
