"""models and model_events: the registry of trained students and their promotions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "models",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("base", sa.String(500), nullable=False),
        sa.Column("training_set_hash", sa.String(64), nullable=False),
        sa.Column("guidelines_version", sa.String(64), nullable=False),
        sa.Column("labels", JSON, nullable=False),
        sa.Column("metrics", JSON, nullable=False),
        sa.Column("artifacts", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_index("ix_models_status", "models", ["status"])
    op.create_table(
        "model_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.String(100), sa.ForeignKey("models.id", ondelete="CASCADE"), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.Column("at", WHEN, nullable=False),
    )
    op.create_index("ix_model_events_model_id", "model_events", ["model_id"])


def downgrade() -> None:
    op.drop_table("model_events")
    op.drop_table("models")
