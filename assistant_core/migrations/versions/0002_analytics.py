"""Analytics: turns, user-days, daily counters, ingest position.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "asst_daily_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "source", "metric", "key", name=op.f("pk_asst_daily_counts")),
    )

    op.create_table(
        "asst_ingest_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_asst_ingest_state")),
    )

    op.create_table(
        "asst_turns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("conversation", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("response_ms", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asst_turns")),
        sa.UniqueConstraint("event_id", name=op.f("uq_asst_turns_event_id")),
    )
    with op.batch_alter_table("asst_turns", schema=None) as batch_op:
        batch_op.create_index("ix_asst_turns_conversation_at", ["conversation", "at"], unique=False)
        batch_op.create_index("ix_asst_turns_day_outcome", ["day", "outcome"], unique=False)

    op.create_table(
        "asst_user_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("conversation", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("new", sa.Boolean(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("calculator", sa.Boolean(), nullable=False),
        sa.Column("obligation", sa.Boolean(), nullable=False),
        sa.Column("guide", sa.Boolean(), nullable=False),
        sa.Column("link", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("day", "conversation", name=op.f("pk_asst_user_days")),
    )
    with op.batch_alter_table("asst_user_days", schema=None) as batch_op:
        batch_op.create_index("ix_asst_user_days_day_source", ["day", "source"], unique=False)


def downgrade() -> None:
    op.drop_table("asst_user_days")
    op.drop_table("asst_turns")
    op.drop_table("asst_ingest_state")
    op.drop_table("asst_daily_counts")
