"""Strict span scores: hand-checked cases, and agreement with seqeval (strict mode) on real data."""

from __future__ import annotations

import random

import pytest
from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from corpus.conll import read_conll
from corpus.metrics import PRF, score
from corpus.model import Span


def test_hand_checked_scores_and_error_kinds():
    text = "Ann Lee met Bob in New York today"
    gold = [[Span(0, 7, "PER"), Span(12, 15, "PER"), Span(19, 27, "LOC")]]
    predicted = [[Span(0, 3, "PER"), Span(12, 15, "ORG"), Span(19, 27, "LOC"), Span(28, 33, "MISC")]]
    scores = score(gold, predicted, texts=[text], bootstrap=0)
    assert (scores.micro.tp, scores.micro.fp, scores.micro.fn) == (1, 3, 2)
    assert scores.micro.precision == 0.25 and scores.micro.recall == pytest.approx(1 / 3)
    assert dict(scores.errors) == {"wrong boundary": 1, "wrong label": 1, "spurious": 1}
    assert scores.confusion == {("PER", "ORG"): 1}
    assert scores.per_label["LOC"].f1 == 1.0 and scores.per_label["MISC"].f1 == 0.0
    assert scores.by_length["2"].tp == 1 and scores.by_length["2"].fn == 1  # "New York" hit, "Ann Lee" missed
    assert scores.macro_f1 == pytest.approx((0.0 + 1.0) / 2)  # over labels with gold: PER (no exact hit), LOC


def test_perfect_and_empty():
    assert score([[Span(0, 1, "X")]], [[Span(0, 1, "X")]], bootstrap=0).micro.f1 == 1.0
    assert score([[]], [[]], bootstrap=0).micro.f1 == 0.0


def test_total_sums_counts_into_the_micro_score():
    documents = [PRF(2, 1, 0), PRF(0, 0, 3), PRF(1, 2, 1)]
    total = PRF.total(documents)
    assert (total.tp, total.fp, total.fn) == (3, 3, 4)
    assert total.f1 == pytest.approx(2 * 3 / (2 * 3 + 3 + 4))
    assert PRF.total([]).f1 == 0.0 and documents[0].tp == 2  # the parts are left as they were


def test_bootstrap_interval_brackets_the_point_estimate():
    rng = random.Random(1)
    gold = [[Span(0, 1, "X")] for _ in range(200)]
    predicted = [[Span(0, 1, "X")] if rng.random() < 0.7 else [Span(0, 1, "Y")] for _ in range(200)]
    scores = score(gold, predicted, bootstrap=500)
    low, high = scores.f1_interval
    assert low < scores.micro.f1 < high and high - low < 0.2


def _bio(text: str, spans) -> list[str]:
    """Tags for the space-separated tokens of a CoNLL-rebuilt text."""
    tags, position = [], 0
    for token in text.split(" "):
        start, end = position, position + len(token)
        tag = "O"
        for span in spans:
            if span.start == start:
                tag = f"B-{span.label}"
            elif span.start < start and end <= span.end:
                tag = f"I-{span.label}"
        tags.append(tag)
        position = end + 1
    return tags


def _perturb(text: str, spans, rng: random.Random):
    """A plausible wrong prediction that stays on token boundaries."""
    out = []
    for span in spans:
        roll = rng.random()
        if roll < 0.1:
            continue  # missed
        if roll < 0.2:
            out.append(Span(span.start, span.end, rng.choice(["PER", "ORG", "LOC", "MISC"])))
        elif roll < 0.3 and " " in text[span.start : span.end]:
            out.append(Span(span.start, text.index(" ", span.start), span.label))  # cut at the first space
        else:
            out.append(span)
    if rng.random() < 0.1 and " " in text:
        first = Span(0, text.index(" "), "MISC")  # spurious (or a hit, if gold had it)
        if all(first.end <= s.start for s in out):  # BIO cannot hold overlapping spans
            out.append(first)
    return sorted(set(out))


def test_matches_seqeval_strict_on_wikigold(corpora):
    items = list(read_conll(corpora / "wikigold/wikigold.conll.txt"))
    rng = random.Random(7)
    texts = [item.document.text for item in items]
    gold = [list(item.spans) for item in items]
    predicted = [_perturb(text, spans, rng) for text, spans in zip(texts, gold, strict=True)]
    ours = score(gold, predicted, texts=texts, bootstrap=0)
    report = classification_report(
        [_bio(t, s) for t, s in zip(texts, gold, strict=True)],
        [_bio(t, s) for t, s in zip(texts, predicted, strict=True)],
        mode="strict", scheme=IOB2, output_dict=True, zero_division=0,
    )  # fmt: skip
    assert ours.micro.precision == pytest.approx(report["micro avg"]["precision"], abs=1e-9)
    assert ours.micro.recall == pytest.approx(report["micro avg"]["recall"], abs=1e-9)
    assert ours.micro.f1 == pytest.approx(report["micro avg"]["f1-score"], abs=1e-9)
    for label in ("PER", "ORG", "LOC", "MISC"):
        assert ours.per_label[label].f1 == pytest.approx(report[label]["f1-score"], abs=1e-9)
        assert ours.per_label[label].tp + ours.per_label[label].fn == report[label]["support"]
    assert ours.macro_f1 == pytest.approx(report["macro avg"]["f1-score"], abs=1e-9)
    assert 0.6 < ours.micro.f1 < 0.95, (
        "the perturbation must produce real errors for the check to mean anything"
    )
