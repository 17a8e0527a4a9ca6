"""Index turns by outcome then day: the unanswered list reads a few outcomes over a date range.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_asst_turns_outcome_day", "asst_turns", ["outcome", "day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_asst_turns_outcome_day", table_name="asst_turns")
