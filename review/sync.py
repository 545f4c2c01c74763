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
from review.agreement import add_counts, pair_counts, per_label_f1
from review.backend import Answer, ReviewBackend, ReviewUnavailable, Withdraws
from review.policy import in_review_order
from review.queue import ReviewQueue, ReviewStatus
from review.tasks import review_tasks


@dataclass
class PushReport:
    pushed: int = 0
    already_answered: int = 0


@dataclass
class PullReport:
    submitted: int = 0
    discarded: int = 0
    agreement_f1: float | None = None  # mean pairwise span F1 where several annotators answered
    agreement_per_label: dict[str, float] = field(default_factory=dict)  # label (and "all") -> F1
    multi_annotated: int = 0
    reviewers: Counter = field(default_factory=Counter)
    repaired: list[str] = field(default_factory=list)  # reviewer spans trimmed or dropped, and why


def push(store: Store, queue: ReviewQueue, backend: ReviewBackend, order: str = "confidence") -> PushReport:
    """The queued documents to the backend in the review `order` (a backend without a sort of its
    own shows them so)."""
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
    ranked = {a.document_id: n for n, a in enumerate(in_review_order(list(teacher.values()), order))}
    tasks = [  # a document without a teacher annotation first, as a failed one
        task
        for doc_id in sorted(items, key=lambda doc_id: (ranked.get(doc_id, -1), doc_id))
        for task in review_tasks(items[doc_id], documents[doc_id], teacher.get(doc_id))
    ]
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
    report, counts = PullReport(), {}
    by_document: dict[str, list[Answer]] = defaultdict(list)
    for answer in backend.answers():
        by_document[answer.document_id].append(answer)
    texts = {d.id: d.text for d in store.documents(ids=list(by_document))}
    annotations, submitted, discarded, pair_scores = [], [], [], []
    for doc_id, answers in by_document.items():
        if doc_id not in texts:
            continue
        outcome = _document_outcome(answers)
        if outcome is None:  # a part of a long text is still unanswered
            continue
        if outcome == ReviewStatus.DISCARDED:
            discarded.append(doc_id)
            continue
        annotation, pairs = _human_annotation(doc_id, answers, queue.version, report)
        annotation.spans = _usable(annotation.spans, texts[doc_id], annotation, report)
        add_counts(counts, annotation.metadata.get("agreement", {}))
        pair_scores += pairs
        annotations.append(annotation)
        submitted.append(doc_id)
    store.save_annotations(annotations)
    queue.mark(submitted, ReviewStatus.SUBMITTED)
    queue.mark(discarded, ReviewStatus.DISCARDED)
    report.submitted, report.discarded = len(submitted), len(discarded)
    report.agreement_f1 = sum(pair_scores) / len(pair_scores) if pair_scores else None
    report.agreement_per_label = per_label_f1(counts)
    return report


def _by_part(answers: list[Answer]) -> dict[int, list[Answer]]:
    parts: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        parts[answer.offset].append(answer)
    return parts


def _document_outcome(answers: list[Answer]) -> ReviewStatus | None:
    """Submitted when every part has a submitted answer; discarded when a part was only
    discarded (a document is trained on whole or not at all); None while a part waits."""
    parts = _by_part(answers)
    if len(parts) < max(a.parts for a in answers):
        return None
    if any(all(a.status == ReviewStatus.DISCARDED for a in part) for part in parts.values()):
        return ReviewStatus.DISCARDED
    return ReviewStatus.SUBMITTED


def _human_annotation(doc_id: str, answers: list[Answer], version: str, report: PullReport):
    """The reviewers' labels of one document: per part, the majority of its submitted answers,
    shifted to document offsets. Also the pairwise F1 of each pair of annotators."""
    spans, reviewers, counts, pair_scores = [], set(), {}, []
    for offset, part in sorted(_by_part(answers).items()):
        done = [a for a in part if a.status == ReviewStatus.SUBMITTED]
        reviewers.update(a.reviewer for a in done)
        spans += [replace(s, start=s.start + offset, end=s.end + offset) for s in resolve(done)]
        if len(done) > 1:
            add_counts(counts, pair_counts([a.spans for a in done]))
            pair_scores += [
                score([a.spans], [b.spans], bootstrap=0).micro.f1 if a.spans or b.spans else 1.0
                for a, b in combinations(done, 2)
            ]
    names = sorted(reviewers)
    report.reviewers.update(names)
    report.multi_annotated += bool(pair_scores)
    name = names[0] if len(names) == 1 else "majority:" + "+".join(names)
    metadata = {"reviewers": names, "answers": sum(a.status == ReviewStatus.SUBMITTED for a in answers)}
    if counts:
        metadata["agreement"] = counts
    annotation = Annotation(doc_id, Annotator(AnnotatorKind.HUMAN, name), sorted(spans),
                            guidelines_version=version, metadata=metadata)  # fmt: skip
    return annotation, pair_scores


def requeue_discarded(queue: ReviewQueue, backend: ReviewBackend) -> int:
    """Send the discarded documents to review again: their records (and the discards) leave the
    backend, and the next push sends them afresh. How many documents went back to the queue."""
    ids = sorted(queue.discarded())
    if ids and not isinstance(backend, Withdraws):
        raise ReviewUnavailable(f"the review backend {type(backend).__name__} cannot send documents again")
    if ids:
        backend.withdraw(ids)
        queue.mark(ids, ReviewStatus.QUEUED)
    return len(ids)
