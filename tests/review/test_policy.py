"""The review policy: what goes to people, in which order, and why."""

from __future__ import annotations

from collections import Counter

import pytest

from corpus.model import Annotation, AnnotationStatus, Annotator, AnnotatorKind, Span
from review.backend import Answer
from review.policy import ReviewPolicy, route
from review.sync import resolve

TEACHER = Annotator(AnnotatorKind.TEACHER, "t")


def ann(doc, confidence, labels=("LOC",), status=AnnotationStatus.OK, invalid=0, weighed=None):
    spans = [Span(i * 5, i * 5 + 3, label) for i, label in enumerate(labels)]
    return Annotation(
        doc,
        TEACHER,
        spans,
        confidence=confidence,
        status=status,
        metadata={"invalid_spans": invalid} | ({"weighed_spans": weighed} if weighed is not None else {}),
        error="timeout" if status is AnnotationStatus.FAILED else "",
    )


def test_failures_and_invalid_spans_first_then_least_confident_under_budget():
    annotations = [ann(f"d{i}", confidence=i / 10) for i in range(10)]
    annotations += [ann("failed", 0.99, status=AnnotationStatus.FAILED), ann("invalid", 0.95, invalid=2)]
    decisions = {
        d.document_id: d for d in route(annotations, ReviewPolicy(budget=4, threshold=0.8, audit_fraction=0))
    }
    reviewed = [d for d, x in decisions.items() if x.route == "review"]
    assert sorted(reviewed) == ["d0", "d1", "failed", "invalid"]
    assert decisions["failed"].reason == "teacher failed: timeout"
    assert decisions["invalid"].reason == "2 invalid span(s) from the teacher"
    assert decisions["d0"].reason == "confidence 0.00 < 0.8 (least confident first)"
    assert decisions["d5"].reason == "over this run's review budget"
    assert decisions["d9"].route == "accept" and decisions["d9"].reason == "confidence >= 0.8"


def test_in_doubt_order_failures_first_then_most_doubtful_and_invalid_spans_wait_their_turn():
    annotations = [ann(f"d{i}", confidence=i / 10) for i in range(10)]
    annotations += [ann("failed", 0.99, status=AnnotationStatus.FAILED), ann("invalid", 0.95, invalid=2)]
    annotations += [ann("doubtful invalid", 0.15, invalid=1)]
    policy = ReviewPolicy(budget=4, threshold=0.8, audit_fraction=0, order="doubt")
    decisions = {d.document_id: d for d in route(annotations, policy)}
    reviewed = [d for d, x in decisions.items() if x.route == "review"]
    assert sorted(reviewed) == ["d0", "d1", "doubtful invalid", "failed"]
    assert decisions["doubtful invalid"].reason == (
        "confidence 0.15 < 0.8, 0.8 doubtful span(s), 1 invalid span(s) from the teacher"
        " (most doubtful first)"
    )
    assert decisions["invalid"].route == "accept", (
        "a confident document's invalid span does not jump the queue"
    )
    assert decisions["d0"].reason == "confidence 0.00 < 0.8, 1.0 doubtful span(s) (most doubtful first)"


def test_a_failed_document_over_the_budget_is_never_accepted():
    """It has no labels to accept: it gets no decision, so once the teacher's retry labels it,
    it is routed like any other document."""
    failed = [ann(f"failed{i}", None, labels=(), status=AnnotationStatus.FAILED) for i in range(5)]
    decisions = {
        d.document_id: d for d in route(failed + [ann("ok", 0.95)], ReviewPolicy(budget=2, audit_fraction=0))
    }
    assert sorted(d for d, x in decisions.items() if x.route == "review") == ["failed0", "failed1"]
    assert sorted(decisions) == ["failed0", "failed1", "ok"], "the three over the budget are left undecided"
    assert decisions["ok"].route == "accept"


def test_in_doubt_order_the_document_with_the_most_doubtful_spans_goes_first():
    """The budget counts documents: five spans at 0.6 hide more errors (2.0 expected) than one
    span at 0.2 (0.8); without `weighed_spans` (annotations from before) the kept spans count."""
    annotations = [
        ann("short", 0.2, weighed=1),
        ann("long", 0.6, labels=("LOC",) * 3, weighed=5),
        ann("old", 0.5, labels=("LOC",) * 3),  # no weighed_spans: 3 kept spans, 1.5 doubtful
        ann("sure", 0.9, labels=("LOC",) * 3, weighed=40),  # 4.0 doubtful, but at the threshold's right
    ]
    decisions = route(annotations, ReviewPolicy(budget=2, threshold=0.8, audit_fraction=0, order="doubt"))
    assert [d.document_id for d in decisions if d.route == "review"] == ["long", "old"]
    by_confidence = route(annotations, ReviewPolicy(budget=2, threshold=0.8, audit_fraction=0))
    assert [d.document_id for d in by_confidence if d.route == "review"] == ["short", "old"]
    (long,) = [d for d in decisions if d.document_id == "long"]
    assert long.reason == "confidence 0.60 < 0.8, 2.0 doubtful span(s) (most doubtful first)"
    budgetless = route(annotations, ReviewPolicy(budget=None, threshold=0.8, audit_fraction=0, order="doubt"))
    assert {d.document_id: d.route for d in budgetless}["sure"] == "accept"


def test_threshold_without_budget():
    annotations = [ann(f"d{i}", confidence=i / 10) for i in range(10)]
    decisions = route(annotations, ReviewPolicy(budget=None, threshold=0.35, audit_fraction=0))
    assert sorted(d.document_id for d in decisions if d.route == "review") == ["d0", "d1", "d2", "d3"]


def test_rare_labels_get_reviewed_even_when_confident():
    annotations = [ann(f"common{i}", confidence=0.1 + i / 100, labels=("LOC", "LOC")) for i in range(40)]
    annotations += [ann(f"rare{i}", confidence=0.9 + i / 100, labels=("ORG",)) for i in range(3)]
    decisions = {
        d.document_id: d
        for d in route(annotations, ReviewPolicy(budget=10, min_per_label=2, audit_fraction=0))
    }
    rare = [d for d in decisions.values() if d.document_id.startswith("rare") and d.route == "review"]
    assert len(rare) == 2 and rare[0].reason.startswith("rare label ORG")
    assert sum(d.route == "review" for d in decisions.values()) == 10


def test_audit_sample_checks_confident_documents_reproducibly():
    annotations = [ann(f"d{i}", confidence=0.5 + i / 100) for i in range(50)]
    policy = ReviewPolicy(budget=10, threshold=0.6, audit_fraction=0.2, seed=3)
    first = route(annotations, policy)
    reasons = Counter(d.reason.split(":")[0] for d in first if d.route == "review")
    assert reasons["audit"] == 2
    audited = [d for d in first if d.reason.startswith("audit")]
    assert all(d.confidence >= 0.6 for d in audited)
    assert [d.document_id for d in route(annotations, policy) if d.reason.startswith("audit")] == [
        d.document_id for d in audited
    ]


def test_every_document_gets_one_decision_with_a_reason():
    annotations = [ann(f"d{i}", confidence=(i * 37 % 100) / 100) for i in range(100)]
    decisions = route(annotations, ReviewPolicy(budget=20))
    assert sorted(d.document_id for d in decisions) == sorted(a.document_id for a in annotations)
    assert all(d.reason for d in decisions)


def test_majority_resolution_of_several_annotators():
    a = Answer("d", "ann", "submitted", [Span(0, 3, "PER"), Span(5, 9, "LOC")])
    b = Answer("d", "bob", "submitted", [Span(0, 3, "PER"), Span(5, 9, "ORG")])
    c = Answer("d", "cy", "submitted", [Span(0, 3, "PER"), Span(5, 9, "LOC")])
    assert resolve([a, b, c]) == [Span(0, 3, "PER"), Span(5, 9, "LOC")]
    # two annotators disagree on a span: each has half the votes; the flat result keeps one, never both
    assert len(resolve([a, b])) == 2


def test_an_unknown_order_is_an_error_that_names_the_choices():
    with pytest.raises(ValueError, match="review order 'loudest': use 'confidence' or 'doubt'"):
        route([ann("d", 0.5)], ReviewPolicy(order="loudest"))


def test_the_review_settings_order_reaches_the_policy():
    from review.config import ReviewConfig

    assert ReviewConfig().policy().order == "confidence"
    assert ReviewConfig(order="doubt", budget=5).policy() == ReviewPolicy(budget=5, order="doubt")
