"""What one teacher run did: counts, tokens, cost, confidences and why documents failed."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, fields


@dataclass
class RunSummary:
    documents: int = 0
    annotated: int = 0  # newly annotated in this run
    cached: int = 0  # already done: zero tokens spent
    busy: int = 0  # claimed by another worker right now
    failed: int = 0
    spans: int = 0
    proposed: int = 0  # entities the model proposed, over all samples
    invalid: int = 0
    dropped: Counter = field(default_factory=Counter)
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    confidences: list[float] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (document id, reason)

    def merge(self, other: RunSummary) -> None:
        """Add another batch's counts (a flow annotates in batches); seconds add up as work time."""
        for item in fields(self):
            if isinstance(getattr(self, item.name), int | float):
                setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))
        self.dropped.update(other.dropped)
        self.confidences.extend(other.confidences)
        self.failures.extend(other.failures)

    def report_rows(self) -> list[tuple[str, str]]:
        """(what, value) rows for the command line's table and the flow's artifact."""
        rows = [
            ("documents", self.documents),
            ("newly annotated", self.annotated),
            ("from cache (0 tokens)", self.cached),
            ("claimed by another worker", self.busy),
            ("failed (kept with reason, retried next run)", self.failed),
            ("spans", self.spans),
            ("invalid / proposed spans", f"{self.invalid} / {self.proposed} ({self.invalid_rate:.1%})"),
            ("calls", self.calls),
            ("tokens in / out", f"{self.tokens_in:,} / {self.tokens_out:,}"),
            ("cost", f"${self.cost_usd:.4f}"),
            ("seconds", f"{self.seconds:.1f}"),
        ]
        rows += [(f"dropped: {reason}", n) for reason, n in sorted(self.dropped.items())]
        rows += [(f"confidence {band}", n) for band, n in self.histogram()]
        return [(name, str(value)) for name, value in rows]

    @property
    def invalid_rate(self) -> float:
        return self.invalid / self.proposed if self.proposed else 0.0

    def histogram(self, bins: int = 5) -> list[tuple[str, int]]:
        edges = [i / bins for i in range(bins + 1)]
        counts = [0] * bins
        for c in self.confidences:
            counts[min(int(c * bins), bins - 1)] += 1
        return [(f"{edges[i]:.1f}-{edges[i + 1]:.1f}", counts[i]) for i in range(bins)]

    def failure_groups(self) -> list[tuple[str, int]]:
        """Why documents failed, most common first: reasons that differ only in numbers, ids or
        quoted text count as one."""
        groups = Counter(_reason_kind(reason) for _, reason in self.failures)
        return groups.most_common()

    def failure_line(self) -> str:
        """One line: how many documents failed and why, grouped by reason."""
        reasons = "; ".join(f"{n} x {reason}" for reason, n in self.failure_groups()[:3])
        more = len(self.failure_groups()) - 3
        return f"{self.failed} of {self.documents} documents failed: {reasons}" + (
            f"; and {more} other reasons" if more > 0 else ""
        )


def _reason_kind(reason: str) -> str:
    kind = re.sub(r"'[^']*'|\"[^\"]*\"", "'...'", reason)
    kind = re.sub(r"\d+(\.\d+)?", "N", kind)
    return kind if len(kind) <= 100 else kind[:100] + "..."
