"""What a reviewer gets for one routed document: its text (one task per part of a long text,
each with its offset, so answers map back to the document), the teacher's spans as
suggestions, why it was routed in words, and metadata to filter and sort on."""

from __future__ import annotations

from dataclasses import replace

from corpus.chunking import chunk_text
from corpus.model import Annotation, Document, Span
from review.backend import ReviewTask
from review.policy import doubt

# a long text is reviewed in parts of at most this many characters, cut at paragraph or sentence ends
MAX_RECORD_CHARS = 2000


def disagreement(annotation: Annotation | None) -> float:
    """Share of the teacher's spans that not every sample found (0 with one sample)."""
    if not annotation or not annotation.spans or annotation.metadata.get("samples", 1) < 2:
        return 0.0
    return round(sum((s.score or 0.0) < 1.0 for s in annotation.spans) / len(annotation.spans), 3)


def doubtful_spans(annotation: Annotation | None) -> float:
    """The errors the teacher expects in the document (review/policy.py), to sort and filter on."""
    return round(doubt(annotation), 2) if annotation else 1.0


def second_opinion(annotation: Annotation | None) -> tuple[str, str]:
    """(verdict for filtering, sentence for the reviewer) from the student's second opinion."""
    ensemble = (annotation.metadata.get("ensemble") if annotation else None) or {}
    if not ensemble:
        return "none", "no second opinion was asked"
    only_teacher, only_other = ensemble.get("teacher_only", 0), ensemble.get("other_only", 0)
    verdict = "agrees" if only_teacher == only_other == 0 else "differs"
    sentence = (
        f"{ensemble.get('opinion', 'the student')} agreed on {ensemble.get('agreed', 0)} span(s); "
        f"{only_teacher} found by the teacher only, {only_other} by the student only"
    )
    return verdict, sentence


def why_text(
    reason: str, confidence: float, annotation: Annotation | None, part: tuple[int, int, int, int]
) -> str:
    """The routing reason in words, shown beside the text (markdown)."""
    index, parts, start, end = part
    _, opinion = second_opinion(annotation)
    samples = annotation.metadata.get("samples", 1) if annotation else 0
    disagreed = (
        f"; {samples} samples disagreed on {disagreement(annotation):.0%} of its spans" if samples > 1 else ""
    )
    lines = [
        f"**Why this is here:** {reason}",
        f"- teacher confidence {confidence:.2f}{disagreed}",
        f"- second opinion: {opinion}",
    ]
    if annotation and annotation.metadata.get("invalid_spans"):
        lines.append(f"- {annotation.metadata['invalid_spans']} span(s) from the teacher could not be placed")
    if parts > 1:
        lines.append(f"- part {index} of {parts} of a long document (characters {start}-{end})")
    return "\n".join(lines)


def review_tasks(item, document: Document, annotation: Annotation | None) -> list[ReviewTask]:
    """One task per part of the document (one for most), suggestions shifted into the part."""
    chunks = chunk_text(document.text, MAX_RECORD_CHARS)
    spans = annotation.spans if annotation else []
    confidence = float(item.confidence or 0.0)
    verdict, _ = second_opinion(annotation)
    tasks = []
    for index, chunk in enumerate(chunks, start=1):
        inside = [_shift(s, -chunk.start) for s in spans if chunk.start <= s.start and s.end <= chunk.end]
        part = (index, len(chunks), chunk.start, chunk.end)
        metadata = {
            "teacher_confidence": confidence,
            "doubtful_spans": doubtful_spans(annotation),
            "disagreement": disagreement(annotation),
            "second_opinion": verdict,
            "invalid_spans": int(annotation.metadata.get("invalid_spans", 0)) if annotation else 0,
            "source": document.source or "-",
            "batch": item.batch,
            "routing_reason": item.reason[:200],
            "part": index,
            "parts": len(chunks),
            "offset": chunk.start,
        }
        tasks.append(
            ReviewTask(
                document.id,
                chunk.text,
                inside,
                annotation.annotator.name if annotation else "teacher",
                metadata,
                offset=chunk.start,
                parts=len(chunks),
                why=why_text(item.reason, confidence, annotation, part),
            )
        )
    return tasks


def _shift(span: Span, by: int) -> Span:
    return replace(span, start=span.start + by, end=span.end + by)
