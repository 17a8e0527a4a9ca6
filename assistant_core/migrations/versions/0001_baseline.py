"""Baseline: button ids, unanswered questions, users, feedback, reminders.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "asst_callback_payloads",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asst_callback_payloads")),
    )

    op.create_table(
        "asst_chat_users",
        sa.Column("conversation", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("conversation", name=op.f("pk_asst_chat_users")),
    )
    with op.batch_alter_table("asst_chat_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_asst_chat_users_last_seen"), ["last_seen"], unique=False)

    op.create_table(
        "asst_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("rating", sa.String(length=8), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asst_feedback")),
    )
    with op.batch_alter_table("asst_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_asst_feedback_conversation"), ["conversation"], unique=False)
        batch_op.create_index(batch_op.f("ix_asst_feedback_rated_at"), ["rated_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_asst_feedback_topic"), ["topic"], unique=False)

    op.create_table(
        "asst_reminders",
        sa.Column("conversation", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_month", sa.String(length=7), nullable=True),
        sa.PrimaryKeyConstraint("conversation", name=op.f("pk_asst_reminders")),
    )

    op.create_table(
        "asst_unanswered_questions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("candidates", sa.Text(), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asst_unanswered_questions")),
    )
    with op.batch_alter_table("asst_unanswered_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_asst_unanswered_questions_asked_at"), ["asked_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_asst_unanswered_questions_conversation"), ["conversation"], unique=False)


def downgrade() -> None:
    op.drop_table("asst_unanswered_questions")
    op.drop_table("asst_reminders")
    op.drop_table("asst_feedback")
    op.drop_table("asst_chat_users")
    op.drop_table("asst_callback_payloads")
