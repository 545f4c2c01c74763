"""Strict entity-level scores: a predicted span counts only with exact start, end
and label. Shared by every stage that scores labels (teacher vs reviewers,
student vs held-out humans, ONNX vs PyTorch, benchmarks).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from corpus.model import Span


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: PRF) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @classmethod
    def total(cls, counts: Iterable[PRF]) -> PRF:
        """The counts summed: micro scores over documents, or over several students' runs."""
        summed = cls()
        for one in counts:
            summed.add(one)
        return summed

    def as_dict(self) -> dict:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1, "tp": self.tp,
                "fp": self.fp, "fn": self.fn}  # fmt: skip


@dataclass
class Scores:
    micro: PRF
    per_label: dict[str, PRF]
    errors: Counter  # wrong label, wrong boundary, missed, spurious
    by_length: dict[str, PRF]  # entity length in words: "1", "2", "3", "4+"
    confusion: Counter  # (gold label, predicted label) for same-offset spans with different labels
    documents: int = 0
    f1_interval: tuple[float, float] | None = None  # bootstrap 95%
    per_document: list[PRF] = field(default_factory=list, repr=False)

    @property
    def macro_f1(self) -> float:
        labels = [prf for prf in self.per_label.values() if prf.tp + prf.fn > 0]
        return sum(prf.f1 for prf in labels) / len(labels) if labels else 0.0

    def as_dict(self) -> dict:
        return {
            "micro": self.micro.as_dict(),
            "macro_f1": self.macro_f1,
            "f1_interval": list(self.f1_interval) if self.f1_interval else None,
            "per_label": {label: prf.as_dict() for label, prf in sorted(self.per_label.items())},
            "errors": dict(self.errors),
            "by_length": {k: v.as_dict() for k, v in self.by_length.items()},
            "confusion": [[gold, pred, n] for (gold, pred), n in sorted(self.confusion.items())],
            "documents": self.documents,
        }


def _length_bucket(text: str, span: Span) -> str:
    words = len(text[span.start : span.end].split())
    return str(words) if words < 4 else "4+"


def score(
    gold: Sequence[Sequence[Span]],
    predicted: Sequence[Sequence[Span]],
    texts: Sequence[str] | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
) -> Scores:
    """Score predicted spans against gold spans, document by document (same order)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold documents but {len(predicted)} predicted")
    micro, per_label, by_length = PRF(), {}, {}
    errors, confusion = Counter(), Counter()
    per_document = []
    for index, (gold_spans, predicted_spans) in enumerate(zip(gold, predicted, strict=True)):
        g = {(s.start, s.end, s.label) for s in gold_spans}
        p = {(s.start, s.end, s.label) for s in predicted_spans}
        document = PRF(tp=len(g & p), fp=len(p - g), fn=len(g - p))
        per_document.append(document)
        micro.add(document)
        for item in g | p:
            in_gold, in_predicted = item in g, item in p
            _tally(per_label.setdefault(item[2], PRF()), in_gold, in_predicted)
            if texts is not None:
                bucket = _length_bucket(texts[index], Span(*item))
                _tally(by_length.setdefault(bucket, PRF()), in_gold, in_predicted)
        _classify_errors(g - p, p - g, errors, confusion)
    scores = Scores(micro, per_label, errors, by_length, confusion, len(gold), per_document=per_document)
    if bootstrap and gold:
        scores.f1_interval = bootstrap_f1(per_document, bootstrap, seed)
    return scores


def _tally(prf: PRF, in_gold: bool, in_predicted: bool) -> None:
    prf.tp += in_gold and in_predicted
    prf.fn += in_gold and not in_predicted
    prf.fp += in_predicted and not in_gold


def _classify_errors(missed: set, spurious: set, errors: Counter, confusion: Counter) -> None:
    """Each unmatched gold span is a wrong label (same offsets), a wrong boundary (overlapping
    prediction), or missed; each prediction left over is spurious."""
    spurious_left = set(spurious)
    for start, end, label in sorted(missed):
        same_offsets = next((p for p in spurious_left if p[0] == start and p[1] == end), None)
        if same_offsets:
            errors["wrong label"] += 1
            confusion[(label, same_offsets[2])] += 1
            spurious_left.discard(same_offsets)
            continue
        overlapping = next((p for p in spurious_left if p[0] < end and start < p[1]), None)
        if overlapping:
            errors["wrong boundary"] += 1
            spurious_left.discard(overlapping)
        else:
            errors["missed"] += 1
    errors["spurious"] += len(spurious_left)


def bootstrap_f1(per_document: list[PRF], samples: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95% interval of micro F1, resampling documents with replacement."""
    rng = random.Random(seed)
    n = len(per_document)
    values = []
    for _ in range(samples):
        values.append(PRF.total(per_document[rng.randrange(n)] for _ in range(n)).f1)
    values.sort()
    return values[int(0.025 * (samples - 1))], values[int(0.975 * (samples - 1))]


def bootstrap_delta(
    per_document_a: list[PRF], per_document_b: list[PRF], samples: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """95% interval of micro F1(a) - F1(b) on the same documents, resampled in pairs."""
    if len(per_document_a) != len(per_document_b):
        raise ValueError("paired bootstrap needs the same documents for both")
    rng = random.Random(seed)
    n = len(per_document_a)
    if n == 0:
        return 0.0, 0.0
    values = []
    for _ in range(samples):
        drawn = [rng.randrange(n) for _ in range(n)]  # the same documents for both
        a, b = (
            PRF.total(per_document[i] for i in drawn) for per_document in (per_document_a, per_document_b)
        )
        values.append(a.f1 - b.f1)
    values.sort()
    return values[int(0.025 * (samples - 1))], values[int(0.975 * (samples - 1))]
