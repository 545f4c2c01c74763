"""Fewer negatives from the teacher: a teacher's unlabelled span is often a missed entity.

GLiNER trains every span a document does not label as a negative for every label. In a
human-labelled document that is right; in a teacher-labelled one the unlabelled spans include
every entity the teacher missed (the 1.5B teacher finds about a quarter of WNUT-17's), and a
student taught that they are not entities learns to answer little: on WNUT-17 the student on
all the teacher's labels kept precision 0.70 at recall 0.07 (BENCHMARKS.md). `teacher_negatives`
is the share of a teacher document's unlabelled spans that train as negatives each step; the
rest are left out of that step's loss (masked, as gliner masks padding). Positives, and every
span of a human-labelled document, always train.
"""

from __future__ import annotations

import torch

ORIGIN = "distil_origin"  # the key a training example carries its origin in ("human", "teacher")


def with_origin(example: dict, origin: str) -> dict:
    return {**example, ORIGIN: origin}


class TeacherNegatives:
    """gliner's data collator, masking a share of the teacher documents' unlabelled spans."""

    def __init__(self, collator, keep: float, seed: int):
        self.collator, self.keep = collator, keep
        self.generator = torch.Generator().manual_seed(seed)  # the same spans dropped on a re-run

    def __call__(self, examples: list[dict], **kwargs) -> dict:
        batch = self.collator([{k: v for k, v in e.items() if k != ORIGIN} for e in examples], **kwargs)
        if self.keep >= 1:
            return batch
        teacher = torch.tensor([e.get(ORIGIN) == "teacher" for e in examples]).unsqueeze(1)
        unlabelled = batch["labels"].sum(-1) == 0
        dropped = torch.rand(unlabelled.shape, generator=self.generator) >= self.keep
        batch["span_mask"] = batch["span_mask"] & ~(teacher & unlabelled & dropped)
        return batch
