"""How fast the shipped model answers, measured at export on the machine that exported it, for
the model card: one text at a time, the way a request without company is served."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

SAMPLE = 50  # validation texts timed (after one warm-up call)


def measure_latency(model, texts: Sequence[str], labels: Sequence[str]) -> dict:
    """Median and 90th percentile ms per text at batch 1 through distil_runtime (`model`)."""
    chosen = [t for t in texts if t.strip()][:SAMPLE]
    if not chosen:
        return {}
    model.extract(chosen[:1], labels)
    times = []
    for text in chosen:
        start = time.perf_counter()
        model.extract([text], labels, batch_size=1)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "ms_per_text_median": round(statistics.median(times), 2),
        "ms_per_text_p90": round(times[int(0.9 * (len(times) - 1))], 2),
        "texts": len(times),
        "batch_size": 1,
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
    }


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
