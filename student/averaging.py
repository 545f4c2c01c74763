"""Checkpoint averaging: the mean of the weights at the last few dev evaluations.

Late in training the weights wander around a minimum; their mean often sits nearer its centre
than any one of them (stochastic weight averaging, Izmailov et al. 2018; "average the last N
checkpoints" in machine translation). The average is scored on dev like any checkpoint and kept
only where dev prefers it (or where dev is too small to judge and the last would be kept anyway).
"""

from __future__ import annotations

from collections import deque


class WeightAverage:
    """The last `count` evaluated checkpoints' weights, on the CPU, and their mean."""

    def __init__(self, count: int):
        self.snapshots: deque[dict] = deque(maxlen=count)

    def add(self, model) -> None:
        self.snapshots.append({k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()})

    @property
    def ready(self) -> bool:
        return len(self.snapshots) >= 2  # one checkpoint averaged is itself

    def load_into(self, model) -> None:
        """Put the mean weights into `model` (integer buffers, such as position ids, from the last)."""
        mean = {}
        for key, last in self.snapshots[-1].items():
            if last.is_floating_point():
                mean[key] = sum(s[key] for s in self.snapshots) / len(self.snapshots)
            else:
                mean[key] = last
        model.load_state_dict(mean)
