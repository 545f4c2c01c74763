"""Push the review queue to the backend; pull answers back as human annotations.

Several annotators per record (min_submitted > 1) are resolved by majority:
a span (exact offsets and label) is kept when at least half of the submitted
answers contain it; the agreement between annotators (pairwise strict span
F1) is reported. Discarded records are excluded from training. Answers
replace the teacher's labels for training because a human annotation of a
document always wins (student.data).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from itertools import combinations

from corpus.metrics import score
from corpus.model import Annotation, Annotator, AnnotatorKind, Span, trim_span
from corpus.store import Store
from review.backend import Answer, ReviewBackend, ReviewTask
from review.queue import ReviewQueue, ReviewStatus


@dataclass
class PushReport:
    pushed: int = 0
    already_answered: int = 0


@dataclass
class PullReport:
    submitted: int = 0
    discarded: int = 0
    agreement_f1: float | None = None  # mean pairwise span F1 where several annotators answered
    multi_annotated: int = 0
    reviewers: Counter = field(default_factory=Counter)
    repaired: list[str] = field(default_factory=list)  # reviewer spans trimmed or dropped, and why


def push(store: Store, queue: ReviewQueue, backend: ReviewBackend) -> PushReport:
    items = {item.document_id: item for item in queue.items((ReviewStatus.QUEUED, ReviewStatus.PUSHED))}
    if not items:
        return PushReport()
    documents = {d.id: d for d in store.documents(ids=list(items))}
    teacher = {
        a.document_id: a
        for a in store.annotations(
            kind=AnnotatorKind.TEACHER, document_ids=list(items), guidelines_version=queue.version
        )
    }
    tasks = []
    for doc_id, item in items.items():
        annotation = teacher.get(doc_id)
        metadata = {
            "teacher_confidence": float(item.confidence or 0.0),
            "invalid_spans": int(annotation.metadata.get("invalid_spans", 0)) if annotation else 0,
            "source": documents[doc_id].source or "-",
            "batch": item.batch,
            "routing_reason": item.reason[:200],
        }
        tasks.append(
            ReviewTask(
                doc_id,
                documents[doc_id].text,
                annotation.spans if annotation else [],
                annotation.annotator.name if annotation else "teacher",
                metadata,
            )
        )
    result = backend.push(tasks)
    queue.mark(result.pushed, ReviewStatus.PUSHED)
    return PushReport(len(result.pushed), len(result.kept))


def resolve(answers: list[Answer]) -> list[Span]:
    """Majority vote over submitted answers: a span stays when at least half contain it."""
    votes = Counter(span for answer in answers for span in set(answer.spans))
    kept = [span for span, n in votes.items() if n * 2 >= len(answers)]
    chosen: list[Span] = []
    for span in sorted(kept, key=lambda s: (-votes[s], s.start)):  # flat NER: most-voted first
        if all(span.end <= o.start or span.start >= o.end for o in chosen):
            chosen.append(span)
    return sorted(chosen)


def _usable(spans: list[Span], text: str, annotation: Annotation, report: PullReport) -> list[Span]:
    """A reviewer's spans as training can take them: padded with whitespace (a selection made
    through the API, or one dragged a character too far) trimmed; empty or out of the text
    dropped. Each repair is reported with its document, never a crash at training time."""
    usable, where = [], f"document {annotation.document_id[:12]} ({annotation.annotator.name})"
    for span in spans:
        start, end = trim_span(text, max(span.start, 0), min(span.end, len(text)))
        if start >= end or span.start < 0 or span.end > len(text):
            report.repaired.append(
                f"{where}: span [{span.start}, {span.end}) {span.label} dropped (empty or outside the text)"
            )
            continue
        if (start, end) != (span.start, span.end):
            report.repaired.append(
                f"{where}: span {text[span.start : span.end]!r} {span.label} trimmed to {text[start:end]!r}"
            )
        usable.append(replace(span, start=start, end=end))
    return usable


def pull(store: Store, queue: ReviewQueue, backend: ReviewBackend) -> PullReport:
    report = PullReport()
    by_document: dict[str, list[Answer]] = defaultdict(list)
    for answer in backend.answers():
        by_document[answer.document_id].append(answer)
    annotations, submitted, discarded, pair_scores = [], [], [], []
    for doc_id, answers in by_document.items():
        done = [a for a in answers if a.status == ReviewStatus.SUBMITTED]
        if not done:
            discarded.append(doc_id)
            continue
        reviewers = sorted({a.reviewer for a in done})
        report.reviewers.update(reviewers)
        if len(done) > 1:
            report.multi_annotated += 1
            for a, b in combinations(done, 2):
                pair_scores.append(
                    score([a.spans], [b.spans], bootstrap=0).micro.f1 if a.spans or b.spans else 1.0
                )
        name = reviewers[0] if len(reviewers) == 1 else "majority:" + "+".join(reviewers)
        annotations.append(
            Annotation(
                doc_id,
                Annotator(AnnotatorKind.HUMAN, name),
                resolve(done),
                guidelines_version=queue.version,
                metadata={"reviewers": reviewers, "answers": len(done)},
            )
        )
        submitted.append(doc_id)
    texts = {d.id: d.text for d in store.documents(ids=list(by_document))}
    known = set(texts)
    annotations = [a for a in annotations if a.document_id in known]
    for annotation in annotations:
        annotation.spans = _usable(annotation.spans, texts[annotation.document_id], annotation, report)
    store.save_annotations(annotations)
    queue.mark([d for d in submitted if d in known], ReviewStatus.SUBMITTED)
    queue.mark([d for d in discarded if d in known], ReviewStatus.DISCARDED)
    report.submitted, report.discarded = len(submitted), len(discarded)
    report.agreement_f1 = sum(pair_scores) / len(pair_scores) if pair_scores else None
    return report
