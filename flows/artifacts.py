"""Markdown tables the flows publish as Prefect artifacts (visible in the UI, per flow run).

The store stays the source of truth: artifacts are reports of what a run did,
never read back by a later run.
"""

from __future__ import annotations

from corpus.metrics import Scores
from export.gate import GateDecision
from export.promotion import PromotionDecision
from teacher.summary import RunSummary


def table(header: tuple[str, ...], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def run_summary(summary: RunSummary, batches: int) -> str:
    rows = [*summary.report_rows(), ("batches", str(batches))]
    return "# Teacher run\n\n" + table(("what", "value"), rows)


def review_queue(counts: dict[str, int], unavailable: str | None) -> str:
    text = "# Review queue\n\n" + table(("status", "documents"), sorted(counts.items()))
    if unavailable:
        text += f"\n\nArgilla unavailable: {unavailable}"
    return text


def metrics(results: dict[str, Scores | None], documents: int, model_id: str) -> str:
    rows = []
    for name, scores in results.items():
        if scores is None:
            rows.append((name, "-", "-", "-", "not annotated"))
            continue
        low, high = scores.f1_interval
        rows.append(
            (
                name,
                f"{scores.micro.precision:.3f}",
                f"{scores.micro.recall:.3f}",
                f"{scores.micro.f1:.3f}",
                f"{low:.3f}-{high:.3f}",
            )
        )
    header = (
        f"# Evaluation of {model_id}\n\nStrict span F1 on {documents} held-out human-labelled documents.\n\n"
    )
    return header + table(("labels from", "precision", "recall", "F1", "95% interval"), rows)


def export_gate(model_id: str, gate: GateDecision, bundle: str) -> str:
    rows = [(r.format, f"{r.f1:.4f}", f"{r.size_bytes / 1e6:.1f} MB") for r in gate.results]
    return (
        f"# Export of {model_id}\n\n"
        + table(("format", "F1", "size"), rows)
        + f"\n\nShipped **{gate.shipped}**: {gate.reason}.\n\nBundle: `{bundle}`"
    )


def promotion(model_id: str, decision: PromotionDecision, forced: bool) -> str:
    verdict = "promoted" if decision.allowed else ("promoted (forced)" if forced else "refused")
    rows = [("candidate F1", f"{decision.candidate_f1:.4f}")]
    if decision.production_f1 is not None:
        low, high = decision.delta_interval
        rows += [
            ("production F1", f"{decision.production_f1:.4f}"),
            ("difference", f"{decision.delta_points:+.2f} points (95% interval {low:+.2f} to {high:+.2f})"),
        ]
    rows += [("margin", f"{decision.margin:.2f} points"), ("documents", decision.documents)]
    reasons = "\n".join(f"- {r}" for r in decision.reasons)
    return f"# Promotion of {model_id}: {verdict}\n\n" + table(("what", "value"), rows) + "\n\n" + reasons


def promotion_verdict(promotion: dict | None) -> str:
    """A promote flow's result in one line: the verdict and its reasons."""
    if promotion is None:
        return "not tried"
    verdict = "promoted" if promotion.get("allowed") else "not promoted"
    return f"{verdict}: {'; '.join(promotion.get('reasons', []))}"
