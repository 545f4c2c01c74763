"""Where the model's own time goes, from ONNX Runtime's profiler: kernel time per part of
GLiNER's graph (the encoder, the span head, the LSTM, the rest), one sentence at a time."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

PARTS = {  # node-name prefix in gliner's exported graph -> part
    "/core/token_rep_layer/": "encoder",
    "/core/span_rep_layer/": "span head",
    "/core/rnn/": "LSTM",
    "/core/prompt_rep_layer/": "prompt projection",
}


def profile(folder: Path, onnx_file: str, texts: Sequence[str], labels: Sequence[str]) -> dict:
    """Kernel ms per sentence in total and each part's share, over `texts` at batch 1."""
    import onnxruntime as ort
    from distil_runtime import NerModel

    model = NerModel.load(folder, onnx_file)
    options = ort.SessionOptions()
    options.enable_profiling = True
    options.profile_file_prefix = str(folder.parent / "ort-profile")
    options.log_severity_level = 3
    model.session = ort.InferenceSession(str(model.files.model), options, providers=["CPUExecutionProvider"])
    for text in texts:
        model.extract([text], labels, batch_size=1)
    trace = Path(model.session.end_profiling())
    events = json.loads(trace.read_text())
    os.remove(trace)
    parts: Counter[str] = Counter()
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            node = event["name"].removesuffix("_kernel_time")
            parts[next((p for prefix, p in PARTS.items() if node.startswith(prefix)), "other")] += event[
                "dur"
            ]
    total = sum(parts.values())
    return {
        "kernel_ms": total / 1000 / len(texts),
        "shares": {part: parts[part] / total for part in (*PARTS.values(), "other")},
    }
