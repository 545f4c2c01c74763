"""Keep what the base already knows: rehearsal on the base's own answers.

A GLiNER base that knows other labels (a pretrained GLiNER, an earlier distil student), fine-tuned
on new labels alone, is never asked for its old ones again, and they fade (GLiNER users report it;
BENCHMARKS.md "Fine-tuning keeps the earlier labels?" measures it). With a candidate's
`keep_labels`, the base labels the training documents with those labels before training, and its
spans train alongside the new ones: the old labels keep being asked for, and answered as the base
answered them. No earlier data is needed, only the labels' names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from corpus.model import Span
from student.config import StudentConfig
from student.data import TrainingSet
from student.predict import predict

# where a base has no threshold of its own (a pretrained GLiNER), its spans are taken where it is
# at least this sure: GLiNER's usual threshold
KEEP_THRESHOLD = 0.5


def with_kept_labels(
    data: TrainingSet,
    base,
    keep: list[str],
    config: StudentConfig,
    threshold: float = KEEP_THRESHOLD,
    by_label: Mapping[str, float] | None = None,
) -> TrainingSet:
    """`data` with the base's spans of the kept labels, at `threshold` (or a label's own in
    `by_label`, as the base answers when served), added to every training document (those that
    overlap none of the document's own spans: the guidelines' labels win); dev is left as it is, so
    checkpoints are still chosen on the new labels alone."""
    kept = [label for label in keep if label not in data.labels]
    if not kept or not data.train:
        return data
    texts = [example.document.text for example in data.train]
    answers = predict(
        base, texts, kept, threshold, config.max_words, config.window_overlap, by_label=by_label
    )
    train, added = [], 0
    for example, spans in zip(data.train, answers, strict=True):
        extra = [s for s in spans if not any(_overlap(s, own) for own in example.spans)]
        added += len(extra)
        train.append(replace(example, spans=sorted([*example.spans, *extra])))
    counts = {**data.counts, "kept-label spans": added}
    return replace(data, train=train, kept_labels=tuple(kept), counts=counts)


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end
