"""Student training throughput (samples/s) on the machine at hand: CPU here, CUDA where present.

python -m benchmarks.student_training [--steps 100]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from benchmarks.report import SHARED, table, write_section
from corpus.conll import read_conll
from corpus.model import Annotator, AnnotatorKind, Split
from corpus.store import Store
from student.config import Candidate, StudentConfig
from student.data import build_training_set
from student.train import train_candidate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()
    items = [i for i in read_conll(SHARED / "wikigold" / "wikigold.conll.txt") if i.spans][:400]
    with tempfile.TemporaryDirectory() as tmp, Store(f"sqlite:///{tmp}/bench.db") as store:
        store.add_labelled(items, Split.POOL, Annotator(AnnotatorKind.HUMAN, "gold:wikigold"))
        data = build_training_set(store, ("PER", "ORG", "LOC", "MISC"), dev_fraction=0.1)
        # evaluation only at the end, so the timing is training alone
        config = StudentConfig(max_steps=args.steps, eval_every=args.steps, batch_size=args.batch_size)
        candidate = Candidate(base="minilm")  # the offline base, online too
        student = train_candidate(data, candidate, config, Path(tmp) / "student", progress=lambda _: None)
    rows = [
        [
            student.device,
            "all-MiniLM-L6-v2 + GLiNER heads (28.9M params)",
            args.batch_size,
            student.steps,
            f"{student.seconds:.1f}",
            f"{student.samples_per_second:.1f}",
            f"{student.dev_f1:.3f}",
        ]
    ]
    body = f"""Wikigold sentences with their human labels (400, 10% dev), fp32 on CPU, bf16 on CUDA.
Dev F1 after {args.steps} steps is shown only to prove the run learned something.

{table(["device", "model", "batch", "steps", "seconds", "samples/s", "dev F1"], rows)}

GPU: not measured in this task (no accelerator was lent to it); on a CUDA machine the same
command measures it (training picks CUDA with bf16 when present).
"""
    write_section(
        "student-training", "Student training throughput", "python -m benchmarks.student_training", body
    )


if __name__ == "__main__":
    main()
