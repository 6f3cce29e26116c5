"""Follow-ups that become tickets, and nudges to their owners: the linked ticket (its id in the
tracker, its key, its link, when it was seen closed) and how often, and when last, the owner of an
overdue follow-up was reminded.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain added columns: ALTER TABLE ADD COLUMN on both databases, no rebuild.
    op.add_column("followups", sa.Column("ticket_id", sa.String(64), nullable=True))
    op.add_column("followups", sa.Column("ticket_key", sa.String(64), nullable=True))
    op.add_column("followups", sa.Column("ticket_url", sa.Text(), nullable=True))
    op.add_column("followups", sa.Column("ticket_closed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("followups", sa.Column("nudges_sent", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("followups", sa.Column("nudged_on", sa.Date(), nullable=True))
    # The nudge sweep looks only at follow-ups not done that have a due date.
    op.create_index("ix_followups_due_open", "followups", ["due_on"], postgresql_where=sa.text("NOT done"))


def downgrade() -> None:
    op.drop_index("ix_followups_due_open", table_name="followups")
    with op.batch_alter_table("followups") as batch:
        for column in (
            "nudged_on",
            "nudges_sent",
            "ticket_closed_at",
            "ticket_url",
            "ticket_key",
            "ticket_id",
        ):
            batch.drop_column(column)
