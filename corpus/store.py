"""The store: every stage's state, behind any SQLAlchemy URL.

SQLite file by default, PostgreSQL for real deployments. Every public write
is one transaction: a crash mid-batch leaves the store as it was before the
batch, and a re-run continues from there (documents are keyed by content hash,
annotations by who made them, so writing the same thing twice is a no-op).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from corpus.database import in_batches, insert_ignoring_existing, make_engine, migrate, scalars_in
from corpus.model import (
    Annotation,
    AnnotationStatus,
    Annotator,
    AnnotatorKind,
    Document,
    LabelledDocument,
    Split,
    utcnow,
)
from corpus.store_rows import annotation, annotation_row, document, document_row, document_values
from corpus.tables import AnnotationRow, DocumentRow, SpanRow


class LeakageError(RuntimeError):
    """A held-out (validation or test) document was about to enter training."""


@dataclass
class AddReport:
    """What a batch write did, item by item where something was left out."""

    added: int = 0
    duplicates: int = 0
    moved_to_held_out: int = 0
    replaced: int = 0  # human labels corrected (`replace`)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (document id, reason)

    def merge(self, other: AddReport) -> None:
        self.added += other.added
        self.duplicates += other.duplicates
        self.moved_to_held_out += other.moved_to_held_out
        self.replaced += other.replaced
        self.skipped.extend(other.skipped)


class Store:
    def __init__(self, url: str, *, upgrade: bool = True):
        self.url = url
        self.engine = make_engine(url)
        if upgrade:
            migrate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed whole, or rolled back whole."""
        with self._sessions() as session, session.begin():
            yield session

    # -- documents -------------------------------------------------------------------

    def add_documents(self, documents: Iterable[Document]) -> AddReport:
        """Add raw documents to the pool in one transaction.

        Duplicates (same text) are counted, not stored twice. A text that is
        held out (validation/test) is skipped with a reason: it must never be
        annotated for training.
        """
        report = AddReport()
        batch: dict[str, Document] = {}
        for doc in documents:
            if doc.id in batch:
                report.duplicates += 1
            else:
                batch[doc.id] = doc
        with self.transaction() as session:
            existing = self._splits_of(session, batch)
            new_rows = []
            for doc_id, doc in batch.items():
                split = existing.get(doc_id)
                if split is None:
                    new_rows.append(document_values(doc_id, doc, Split.POOL))
                elif Split(split).held_out:
                    report.skipped.append((doc_id, f"held out ({split}): never annotated for training"))
                else:
                    report.duplicates += 1
            inserted = len(insert_ignoring_existing(session, DocumentRow.__table__, new_rows, "id"))
            # another worker may have added some of them since we looked: those are duplicates
            report.added += inserted
            report.duplicates += len(new_rows) - inserted
        return report

    def add_labelled(
        self, items: Iterable[LabelledDocument], split: Split, annotator: Annotator, replace: bool = False
    ) -> AddReport:
        """Add human-labelled documents to `split` with their spans, in one transaction.

        A pool document that becomes held out is moved (and so can never be
        trained on); a document already held out in the other held-out split
        is skipped with a reason rather than silently re-assigned. With `replace`, a
        document already in `split` whose human labels differ gets these instead; the
        replaced annotations are kept in the new one's metadata (`history`).
        """
        report = AddReport()
        batch: dict[str, LabelledDocument] = {}
        for item in items:
            doc_id = item.document.id
            if doc_id in batch:
                report.duplicates += 1
                continue
            for span in item.spans:
                span.check(item.document.text)
            batch[doc_id] = item
        with self.transaction() as session:
            existing = self._splits_of(session, batch)
            to_annotate = []
            for doc_id, item in batch.items():
                current = existing.get(doc_id)
                if current is None:
                    session.add(document_row(doc_id, item.document, split))
                    report.added += 1
                elif current == split:
                    history = self._replaced_history(session, doc_id, item) if replace else None
                    if not history:
                        report.duplicates += 1
                        continue
                    report.replaced += 1
                    to_annotate.append(
                        Annotation(doc_id, annotator, list(item.spans), metadata={"history": history})
                    )
                    continue
                elif split.held_out and current == Split.POOL:
                    session.execute(update(DocumentRow).where(DocumentRow.id == doc_id).values(split=split))
                    report.moved_to_held_out += 1
                else:
                    report.skipped.append((doc_id, f"already in the {current} split"))
                    continue
                to_annotate.append(
                    Annotation(document_id=doc_id, annotator=annotator, spans=list(item.spans))
                )
            session.flush()
            self.write_annotations(session, to_annotate)
        return report

    @staticmethod
    def _replaced_history(session: Session, doc_id: str, item: LabelledDocument) -> list[dict]:
        """Delete the document's human annotations when their spans differ from `item`'s, and
        return them as history entries; [] when they agree (nothing to replace)."""
        rows = session.scalars(
            select(AnnotationRow)
            .options(selectinload(AnnotationRow.spans))
            .where(AnnotationRow.document_id == doc_id, AnnotationRow.annotator_kind == AnnotatorKind.HUMAN)
        ).all()
        old = [annotation(row) for row in rows]
        if {span for a in old for span in a.spans} == set(item.spans):
            return []
        for row in rows:
            session.delete(row)
        return [
            {
                "annotator": str(a.annotator),
                "replaced_at": utcnow().isoformat(),
                "spans": [[s.start, s.end, s.label] for s in a.spans],
                **({"history": a.metadata["history"]} if "history" in a.metadata else {}),
            }
            for a in old
        ]

    @staticmethod
    def _splits_of(session: Session, ids: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        ids = list(ids)
        for batch in in_batches(ids):
            rows = session.execute(select(DocumentRow.id, DocumentRow.split).where(DocumentRow.id.in_(batch)))
            found.update({row.id: row.split for row in rows})
        return found

    def documents(
        self,
        split: Split | None = None,
        ids: Sequence[str] | None = None,
        source: str | None = None,
    ) -> list[Document]:
        query = select(DocumentRow).order_by(DocumentRow.created_at, DocumentRow.id)
        if split is not None:
            query = query.where(DocumentRow.split == split)
        if source is not None:
            query = query.where(DocumentRow.source == source)
        with self._sessions() as session:
            rows = scalars_in(session, query, DocumentRow.id, ids)
        return [document(row) for row in rows]

    def document_ids(self, split: Split | None = None) -> list[str]:
        """Ids in the order `documents` returns them, without loading texts: what a flow over
        100K documents passes around."""
        query = select(DocumentRow.id).order_by(DocumentRow.created_at, DocumentRow.id)
        if split is not None:
            query = query.where(DocumentRow.split == split)
        with self._sessions() as session:
            return list(session.scalars(query))

    def get_document(self, doc_id: str) -> Document | None:
        with self._sessions() as session:
            row = session.get(DocumentRow, doc_id)
        return None if row is None else document(row)

    def held_out_ids(self) -> set[str]:
        with self._sessions() as session:
            return set(session.scalars(select(DocumentRow.id).where(DocumentRow.split != Split.POOL)))

    def assert_trainable(self, doc_ids: Iterable[str]) -> None:
        """Raise LeakageError if any of `doc_ids` is held out. Call before every training run."""
        doc_ids = list(doc_ids)
        with self._sessions() as session:
            splits = self._splits_of(session, doc_ids)
        leaked = sorted((split, doc_id) for doc_id, split in splits.items() if Split(split).held_out)
        if leaked:
            by_split = Counter(split for split, _ in leaked)
            listing = ", ".join(f"{doc_id[:12]} ({split})" for split, doc_id in leaked[:10])
            more = f" and {len(leaked) - 10} more" if len(leaked) > 10 else ""
            raise LeakageError(
                f"refusing to train on {len(leaked)} held-out document(s) "
                f"({', '.join(f'{n} {s}' for s, n in sorted(by_split.items()))}): {listing}{more}. "
                "Held-out documents only ever score models; remove them from the training data."
            )

    # -- annotations -------------------------------------------------------------------

    def save_annotations(self, annotations: Sequence[Annotation]) -> None:
        """Write annotations in one transaction, replacing any earlier annotation by the
        same annotator, for the same document and guidelines version."""
        with self.transaction() as session:
            self.write_annotations(session, annotations)

    @staticmethod
    def write_annotations(session: Session, annotations: Sequence[Annotation]) -> None:
        """Write annotations inside the caller's transaction (see `transaction()`)."""
        for ann in annotations:
            session.execute(
                delete(AnnotationRow).where(
                    AnnotationRow.document_id == ann.document_id,
                    AnnotationRow.annotator_kind == ann.annotator.kind,
                    AnnotationRow.annotator == ann.annotator.name,
                    AnnotationRow.guidelines_version == ann.guidelines_version,
                )
            )
            session.add(annotation_row(ann))

    def annotations(
        self,
        kind: AnnotatorKind | None = None,
        annotator: str | None = None,
        document_ids: Sequence[str] | None = None,
        guidelines_version: str | None = None,
    ) -> list[Annotation]:
        query = select(AnnotationRow).options(selectinload(AnnotationRow.spans)).order_by(AnnotationRow.id)
        if kind is not None:
            query = query.where(AnnotationRow.annotator_kind == kind)
        if annotator is not None:
            query = query.where(AnnotationRow.annotator == annotator)
        if guidelines_version is not None:
            query = query.where(AnnotationRow.guidelines_version == guidelines_version)
        with self._sessions() as session:
            rows = scalars_in(session, query, AnnotationRow.document_id, document_ids)
        return [annotation(row) for row in rows]

    # -- status ------------------------------------------------------------------------

    def annotated_ids(self, kind: AnnotatorKind) -> set[str]:
        """Documents with at least one annotation of `kind`."""
        with self.transaction() as session:
            query = select(AnnotationRow.document_id).where(AnnotationRow.annotator_kind == kind).distinct()
            return set(session.scalars(query))

    def annotator_names(self, kind: AnnotatorKind) -> list[str]:
        """Who labelled documents as `kind` (e.g. the teacher models a corpus was annotated by)."""
        with self.transaction() as session:
            query = select(AnnotationRow.annotator).where(AnnotationRow.annotator_kind == kind).distinct()
            return sorted(session.scalars(query))

    def counts(self) -> dict[str, dict[str, int]]:
        """Documents per split and annotations per annotator kind and status: `distil status`."""
        with self._sessions() as session:
            per_split = dict(
                session.execute(select(DocumentRow.split, func.count()).group_by(DocumentRow.split)).all()
            )
            per_kind = session.execute(
                select(AnnotationRow.annotator_kind, AnnotationRow.status, func.count()).group_by(
                    AnnotationRow.annotator_kind, AnnotationRow.status
                )
            ).all()
            spans = dict(
                session.execute(
                    select(AnnotationRow.annotator_kind, func.count(SpanRow.id))
                    .join(SpanRow, SpanRow.annotation_id == AnnotationRow.id)
                    .group_by(AnnotationRow.annotator_kind)
                ).all()
            )
        annotations: dict[str, int] = {}
        for kind, status, n in per_kind:
            annotations[kind if status == AnnotationStatus.OK else f"{kind} ({status})"] = n
        return {
            "documents": {split.value: per_split.get(split.value, 0) for split in Split},
            "annotations": annotations,
            "spans": spans,
        }
