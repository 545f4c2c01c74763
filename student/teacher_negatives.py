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


# A teacher that finds fewer of the held-out entities than this left most of them unlabelled in
# training too. Half its negatives lifted the student there (NCBI, recall 0.18: 0.043 to 0.264 on
# 600 documents; WNUT-17, 0.24: 0.126 to 0.208) and cost it above (CrossNER literature, 0.32;
# wikigold, 0.47); BENCHMARKS.md, "Review budgets".
LOW_RECALL = 0.3


def fewer_negatives_advice(teacher_recall: float | None, candidate: dict, counts: dict) -> str | None:
    """One line for `distil evaluate` where the teacher misses most entities and the student trained
    on all of its unlabelled spans as negatives (its `candidate` and training `counts`); else None."""
    teacher_documents = counts.get("teacher", 0)
    if teacher_recall is None or teacher_recall >= LOW_RECALL or not teacher_documents:
        return None
    if candidate.get("teacher_negatives", 1.0) < 1:
        return None  # fewer negatives already
    return (
        f"The teacher found {teacher_recall:.0%} of the held-out entities, so its {teacher_documents}"
        " training documents taught most of theirs as non-entities: try `teacher_negatives = 0.5` on"
        " the candidate, or a `teacher_floor` that leaves out its least confident documents (README,"
        ' "Teacher labels that miss entities").'
    )
