"""The evaluation report as one HTML file a reader opens anywhere: no network at view time (plots
are inline SVG, styles inline). Scores with intervals beside production and the teacher on the
same documents, per-label bars, confusion between labels, error kinds, the training curve, the
threshold sweep, and example errors with gold and predicted spans highlighted.

F1 is shown one way everywhere: 0-1 with 3 decimals; differences in points, said as points.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from datetime import datetime

from corpus.metrics import Scores
from student.report import draw_sweep
from student.thresholds import ThresholdSweep

EXAMPLES = 20
STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1d1d1f;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}
.plot svg{max-width:100%;height:auto}
.example{border:1px solid #ddd;border-radius:6px;padding:.6rem;margin:.8rem 0}
.line{margin:.2rem 0}.who{display:inline-block;width:5.5rem;color:#666}
mark{border-radius:3px;padding:0 2px}mark.gold{background:#c8e6c9}mark.pred{background:#ffe0b2}
mark sup{font-size:.7em;color:#333;margin-left:2px}.kind{color:#a00;font-size:.9em}
"""


@dataclass
class ErrorExample:
    text: str
    gold: list  # spans (start, end, label)
    predicted: list
    kinds: list[str] = field(default_factory=list)


@dataclass
class ReportData:
    title: str
    labels: tuple[str, ...]
    results: dict[str, Scores | None]  # "student" first; production, teacher, base beside it
    training_log: list[dict]  # {"step", "loss", "dev_f1"}
    thresholds: ThresholdSweep | None  # the student's threshold, its F1 at each on dev and held out
    examples: list[ErrorExample]
    advice: str | None = None  # what the scores suggest changing, in one line


def error_examples(texts, gold, predicted, limit: int = EXAMPLES) -> list[ErrorExample]:
    """The documents the model got wrong, most errors first, at most `limit`."""
    found = []
    for text, expected, got in zip(texts, gold, predicted, strict=True):
        wanted = {(s.start, s.end, s.label) for s in expected}
        given = {(s.start, s.end, s.label) for s in got}
        if wanted != given:
            found.append(ErrorExample(text, sorted(wanted), sorted(given), _kinds(text, wanted, given)))
    return sorted(found, key=lambda e: -len(e.kinds))[:limit]


def _kinds(text: str, wanted: set, given: set) -> list[str]:
    """What went wrong, span by span: a wrong label where the offsets agree, else missed/spurious."""
    missed, spurious = wanted - given, given - wanted
    relabelled = {(a, b): label for a, b, label in spurious}
    kinds = []
    for a, b, label in sorted(missed):
        if (a, b) in relabelled:
            kinds.append(f"wrong label {text[a:b]!r}: {label}, predicted {relabelled.pop((a, b))}")
        else:
            kinds.append(f"missed {text[a:b]!r} ({label})")
    return kinds + [f"spurious {text[a:b]!r} ({label})" for (a, b), label in sorted(relabelled.items())]


def render_html(data: ReportData) -> str:
    parts = [
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{_e(data.title)}</title>",
        f"<style>{STYLE}</style></head><body><h1>{_e(data.title)}</h1>",
        f"<p>Written {datetime.now().isoformat(timespec='minutes')}. Strict entity-level scores (exact "
        "start, end and label) on held-out human labels; F1 as 0-1, differences in points.</p>",
        _scores(data.results),
        f"<p id=advice><strong>Advice:</strong> {_e(data.advice)}</p>" if data.advice else "",
        _per_label(data),
        _confusion(data.results.get("student")),
        _errors(data.results),
        _curves(data),
        _examples(data.examples),
        "</body></html>",
    ]
    return "\n".join(parts)


def _e(text) -> str:
    return html.escape(str(text))


def _table(header: list[str], rows: list[list], table_id: str) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table id={table_id}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _f1(value: float) -> str:
    return f"{value:.3f}"


def _scores(results: dict[str, Scores | None]) -> str:
    student = results.get("student")
    rows = []
    for name, scores in results.items():
        if scores is None:
            rows.append([name, "-", "-", "-", "not annotated", "-", "-"])
            continue
        low, high = scores.f1_interval or (scores.micro.f1, scores.micro.f1)
        delta = (
            ""
            if student is None or name == "student"
            else f"{(scores.micro.f1 - student.micro.f1) * 100:+.1f} points"
        )
        m = scores.micro
        rows.append(
            [
                name,
                _f1(m.precision),
                _f1(m.recall),
                _f1(m.f1),
                f"{_f1(low)} - {_f1(high)}",
                _f1(scores.macro_f1),
                delta,
            ]
        )
    header = [
        "labels from",
        "precision",
        "recall",
        "F1",
        "F1 95% interval",
        "macro F1",
        "F1 against the student",
    ]
    return "<h2>Scores</h2>" + _table(header, rows, "scores")


def _per_label(data: ReportData) -> str:
    scored = {n: s for n, s in data.results.items() if s is not None}
    rows = []
    for label in data.labels:
        cells = [label]
        for scores in scored.values():
            prf = scores.per_label.get(label)
            cells.append(_f1(prf.f1) if prf else "-")
        student = scored.get("student")
        prf = student.per_label.get(label) if student else None
        cells.append(str(prf.tp + prf.fn) if prf else "0")
        rows.append(cells)
    table = _table(["label", *(f"F1 {n}" for n in scored), "gold spans"], rows, "per-label")
    return "<h2>Per label</h2>" + table + _plot(_label_bars, scored, data.labels)


def _confusion(student: Scores | None) -> str:
    if student is None or not student.confusion:
        return "<h2>Confusion between labels</h2><p>No span had the right offsets and a wrong label.</p>"
    rows = [[gold, pred, n] for (gold, pred), n in student.confusion.most_common()]
    return "<h2>Confusion between labels</h2>" + _table(
        ["gold label", "predicted label", "spans"], rows, "confusion"
    )


def _errors(results: dict[str, Scores | None]) -> str:
    scored = {n: s for n, s in results.items() if s is not None}
    kinds = sorted({k for s in scored.values() for k in s.errors})
    rows = [[kind, *(s.errors.get(kind, 0) for s in scored.values())] for kind in kinds]
    return "<h2>Error kinds</h2>" + _table(["kind", *scored], rows, "error-kinds")


def _curves(data: ReportData) -> str:
    parts = ["<h2>Training</h2>"]
    if data.training_log:
        rows = [
            [_step(e), "-" if e.get("loss") is None else f"{e['loss']:.4f}", _f1(e["dev_f1"])]
            for e in data.training_log
        ]
        parts += [
            _plot(_training_curve, data.training_log),
            _table(["step", "loss", "dev F1"], rows, "training"),
        ]
    if data.thresholds and data.thresholds.dev:
        parts += ["<h3>Decision threshold (swept on dev)</h3>", f"<p>{_e(data.thresholds.summary())}</p>",
                  _plot(draw_sweep, data.thresholds)]  # fmt: skip
    return "".join(parts)


def _examples(examples: list[ErrorExample]) -> str:
    parts = [f"<h2>Example errors ({len(examples)})</h2>"]
    for example in examples:
        parts.append(
            "<div class=example>"
            f"<div class=line><span class=who>gold</span>{_marked(example.text, example.gold, 'gold')}</div>"
            "<div class=line><span class=who>predicted</span>"
            f"{_marked(example.text, example.predicted, 'pred')}</div>"
            f"<div class=kind>{_e('; '.join(example.kinds))}</div></div>"
        )
    return "".join(parts)


def _marked(text: str, spans: list, css: str) -> str:
    """The text with each span in a <mark> (spans of one source never overlap: flat NER)."""
    out, position = [], 0
    for start, end, label in sorted(spans):
        if start < position:
            continue
        out += [
            _e(text[position:start]),
            f"<mark class={css}>{_e(text[start:end])}<sup>{_e(label)}</sup></mark>",
        ]
        position = end
    return "".join(out) + _e(text[position:])


def _plot(draw, *args) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 3.2))
    draw(axes, *args)
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    svg = buffer.getvalue()
    return f"<div class=plot>{svg[svg.index('<svg') :]}</div>"


def _label_bars(axes, scored: dict[str, Scores], labels) -> None:
    width = 0.8 / max(1, len(scored))
    for index, (name, scores) in enumerate(scored.items()):
        values = [scores.per_label[x].f1 if x in scores.per_label else 0.0 for x in labels]
        axes.bar([i + index * width for i in range(len(labels))], values, width, label=name)
    axes.set_xticks([i + 0.4 - width / 2 for i in range(len(labels))], labels)
    axes.set_ylim(0, 1.3)  # room above the bars for the legend
    axes.set_ylabel("F1")
    axes.legend(loc="upper center", ncols=len(scored), fontsize="small")


def _step(entry: dict) -> str:
    """A log entry's step; the checkpoint average (student/averaging.py) says what it is."""
    averaged = entry.get("averaged")
    return f"{entry['step']}, mean of the last {averaged}" if averaged else str(entry["step"])


def _training_curve(axes, log: list[dict]) -> None:
    steps = [e["step"] for e in log if not e.get("averaged")]
    axes.plot(steps, [e["dev_f1"] for e in log if not e.get("averaged")], marker="o", label="dev F1")
    for e in log:
        if e.get("averaged"):
            axes.plot([e["step"]], [e["dev_f1"]], marker="*", markersize=12, linestyle="", label="averaged")
    axes.set_xlabel("step")
    axes.set_ylabel("dev F1")
    axes.set_ylim(0, 1)
    losses = [(e["step"], e["loss"]) for e in log if e.get("loss") is not None]
    if losses:
        twin = axes.twinx()
        twin.plot(*zip(*losses, strict=True), color="tab:red", label="training loss")
        twin.set_ylabel("loss")
    axes.legend(loc="upper left")


def write_html(out_dir, data: ReportData):
    """report.html in `out_dir`; returns its path."""
    path = out_dir / "report.html"
    out_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(data), encoding="utf-8")
    return path
