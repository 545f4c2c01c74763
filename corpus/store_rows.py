"""Rows to domain objects and back, for the store: documents and annotations with their spans."""

from __future__ import annotations

from corpus.model import Annotation, AnnotationStatus, Annotator, AnnotatorKind, Document, Span, Split, utcnow
from corpus.tables import AnnotationRow, DocumentRow, SpanRow


def document_values(doc_id: str, doc: Document, split: Split) -> dict:
    return {
        "id": doc_id,
        "text": doc.text,
        "source": doc.source,
        "metadata": dict(doc.metadata),
        "split": str(split),
        "created_at": utcnow(),
    }


def document_row(doc_id: str, doc: Document, split: Split) -> DocumentRow:
    return DocumentRow(
        id=doc_id,
        text=doc.text,
        source=doc.source,
        meta=dict(doc.metadata),
        split=split,
    )


def document(row: DocumentRow) -> Document:
    return Document(
        text=row.text,
        source=row.source,
        metadata=dict(row.meta or {}),
        split=Split(row.split),
    )


def annotation(row: AnnotationRow) -> Annotation:
    annotator = Annotator(AnnotatorKind(row.annotator_kind), row.annotator)
    return Annotation(
        document_id=row.document_id,
        annotator=annotator,
        spans=[Span(s.start, s.end, s.label, s.score, str(annotator)) for s in row.spans],
        guidelines_version=row.guidelines_version,
        confidence=row.confidence,
        status=AnnotationStatus(row.status),
        error=row.error,
        tokens_in=row.tokens_in,
        tokens_out=row.tokens_out,
        cost_usd=row.cost_usd,
        metadata=dict(row.meta or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def annotation_row(ann: Annotation) -> AnnotationRow:
    return AnnotationRow(
        document_id=ann.document_id,
        annotator_kind=ann.annotator.kind,
        annotator=ann.annotator.name,
        guidelines_version=ann.guidelines_version,
        confidence=ann.confidence,
        status=ann.status,
        error=ann.error,
        tokens_in=ann.tokens_in,
        tokens_out=ann.tokens_out,
        cost_usd=ann.cost_usd,
        meta=ann.metadata,
        created_at=ann.created_at,
        updated_at=ann.updated_at,
        spans=[SpanRow(start=s.start, end=s.end, label=s.label, score=s.score) for s in ann.spans],
    )
