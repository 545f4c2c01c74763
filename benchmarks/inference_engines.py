"""The ways to run one student that the inference benchmark compares, behind one small Protocol.

Each engine answers (start, end, label) spans per text and counts the seconds spent inside
the model itself (the torch forward or ONNX Runtime's `session.run`), so the benchmark can
split each engine's time into "model" and "everything else" (tokenising, prompt, decoding).
fast-gliner cannot share distil's virtualenv (it pins huggingface-hub below 1.0, transformers
needs 1.5 or newer), so it runs in its own virtualenv and answers over a pipe.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

Spans = list[tuple[int, int, str]]


class Engine(Protocol):
    name: str
    model_seconds: float  # inside the model since the last reset

    def predict(self, texts: Sequence[str], batch_size: int) -> list[Spans]: ...


class _TimedSession:
    """An onnxruntime session whose `run` adds its wall time to the engine's model clock."""

    def __init__(self, session, engine):
        self._session, self._engine = session, engine

    def run(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self._session.run(*args, **kwargs)
        finally:
            self._engine.model_seconds += time.perf_counter() - start

    def __getattr__(self, name):
        return getattr(self._session, name)


class GlinerEngine:
    """gliner's own inference, on its torch model or on an ONNX file through its runtime."""

    def __init__(self, name: str, model, labels: Sequence[str], threshold: float):
        self.name, self.model, self.labels, self.threshold = name, model, list(labels), threshold
        self.model_seconds = 0.0
        if getattr(model, "is_runtime_model", False):
            model.model.session = _TimedSession(model.model.session, self)
        else:
            forward = model.model.forward

            def timed(*args, **kwargs):
                start = time.perf_counter()
                try:
                    return forward(*args, **kwargs)
                finally:
                    self.model_seconds += time.perf_counter() - start

            model.model.forward = timed

    def predict(self, texts: Sequence[str], batch_size: int) -> list[Spans]:
        found = self.model.inference(
            list(texts), self.labels, threshold=self.threshold, flat_ner=True, batch_size=batch_size
        )
        return [[(e["start"], e["end"], e["label"]) for e in entities] for entities in found]


class RuntimeEngine:
    """distil_runtime's NerModel (length-sorted batches, vectorised decoding)."""

    def __init__(self, name: str, model, labels: Sequence[str], threshold: float):
        self.name, self.model, self.labels, self.threshold = name, model, list(labels), threshold
        self.model_seconds = 0.0
        model.session = _TimedSession(model.session, self)

    def predict(self, texts: Sequence[str], batch_size: int) -> list[Spans]:
        found = self.model.extract(texts, self.labels, self.threshold, batch_size=batch_size)
        return [[(e.start, e.end, e.label) for e in entities] for entities in found]


class FastGlinerEngine:
    """fast-gliner (gline-rs through PyO3) in its own virtualenv, one JSON line per call.

    It has no threshold or batch-size argument: gline-rs decodes at 0.5 and runs the texts it
    is given as one batch. Its model time is not separable from the outside (reported as such).
    """

    def __init__(self, name: str, python: Path, bundle: Path, labels: Sequence[str]):
        self.name, self.labels, self.model_seconds = name, list(labels), float("nan")
        self.process = subprocess.Popen(
            [str(python), "-c", _FAST_GLINER_LOOP, str(bundle)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"fast-gliner could not load {bundle}")

    def predict(self, texts: Sequence[str], batch_size: int) -> list[Spans]:
        results: list[Spans] = []
        for first in range(0, len(texts), batch_size):
            self.process.stdin.write(
                json.dumps([list(texts[first : first + batch_size]), self.labels]) + "\n"
            )
            self.process.stdin.flush()
            answer = json.loads(self.process.stdout.readline())
            results.extend([[(e["start"], e["end"], e["label"]) for e in found] for found in answer])
        return results

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


_FAST_GLINER_LOOP = """
import json, sys
from fast_gliner import FastGLiNER
model = FastGLiNER(sys.argv[1], "model.onnx", "cpu")
print("ready", flush=True)
for line in sys.stdin:
    texts, labels = json.loads(line)
    print(json.dumps(model.predict_entities(texts, labels)), flush=True)
"""


def cold_start_seconds(code: str, python: str = sys.executable) -> float:
    """Wall time of a fresh interpreter that imports, loads and answers one text (`code`)."""
    start = time.perf_counter()
    subprocess.run([python, "-c", code], check=True, capture_output=True, timeout=300)
    return time.perf_counter() - start
