"""SQLAlchemy 2.0 tables of the store. Schema changes go through Alembic
(corpus/migrations); these classes must match the newest migration
(tests/corpus/test_migrations.py checks that)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from corpus.model import utcnow

JsonDict = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JsonDict, datetime: DateTime(timezone=True)}


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the text
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(500), default="")
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    split: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    annotations: Mapped[list[AnnotationRow]] = relationship(back_populates="document")


class AnnotationRow(Base):
    """One annotator's spans over one document, for one guidelines version."""

    __tablename__ = "annotations"
    __table_args__ = (
        UniqueConstraint(
            "document_id",
            "annotator_kind",
            "annotator",
            "guidelines_version",
            name="uq_annotation_identity",
        ),
        Index("ix_annotations_kind", "annotator_kind", "guidelines_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    annotator_kind: Mapped[str] = mapped_column(String(16))
    annotator: Mapped[str] = mapped_column(String(200))
    guidelines_version: Mapped[str] = mapped_column(String(64), default="")
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="ok")
    error: Mapped[str] = mapped_column(Text, default="")
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    document: Mapped[DocumentRow] = relationship(back_populates="annotations")
    spans: Mapped[list[SpanRow]] = relationship(
        back_populates="annotation",
        cascade="all, delete-orphan",
        order_by="SpanRow.start",
    )


class SpanRow(Base):
    __tablename__ = "spans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(100))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)

    annotation: Mapped[AnnotationRow] = relationship(back_populates="spans")


class TeacherCallRow(Base):
    """The teacher's work on one document under one configuration: claim, then result.

    The key hashes (model, guidelines version, prompt version, sampling settings,
    document id): the same key is never paid for twice. A row is `claimed` while
    a worker calls the endpoint, then `done` (result kept: the cache) or `failed`
    (reason kept; a later run tries again). Claims expire after a lease, so a
    worker killed mid-call never blocks the document forever.
    """

    __tablename__ = "teacher_calls"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    model: Mapped[str] = mapped_column(String(200))
    guidelines_version: Mapped[str] = mapped_column(String(64))
    prompt_version: Mapped[str] = mapped_column(String(32))
    sampling: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)
    worker: Mapped[str] = mapped_column(String(100), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str] = mapped_column(Text, default="")


class ReviewItemRow(Base):
    """The review decision for one document under one guidelines version, and where it stands.

    route: "review" (goes to annotators) or "accept" (the teacher's labels stand).
    status: "queued" (waiting to be pushed), "pushed", "submitted" (a human answer came
    back), "discarded" (annotators threw it out: never trained on), "accepted".
    """

    __tablename__ = "review_items"

    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    guidelines_version: Mapped[str] = mapped_column(String(64), primary_key=True)
    route: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    batch: Mapped[str] = mapped_column(String(64), default="")
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ModelRow(Base):
    """A trained student in the registry: where it came from, how it scored, where its files are.

    Status moves candidate -> production -> archived; at most one model is in production.
    """

    __tablename__ = "models"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    base: Mapped[str] = mapped_column(String(500))
    training_set_hash: Mapped[str] = mapped_column(String(64))
    guidelines_version: Mapped[str] = mapped_column(String(64))
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"labels": [...], "threshold": t}
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    artifacts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # student dir, bundle dir, format
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ModelEventRow(Base):
    """What happened to a model and why: registered, exported, promoted (forced or not), rolled back."""

    __tablename__ = "model_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class RunRow(Base):
    """One run of a flow (`distil distill`, a scheduled deployment, a stage): when it started
    and ended, how it ended, and why if it failed. What the teacher did during it is read from
    teacher_calls by time, so a run row never has to be kept in step with the work."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    flow: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)  # running, completed, failed
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
