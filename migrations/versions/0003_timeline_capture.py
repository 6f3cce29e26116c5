"""Captured messages on the timeline: permalink, edit and delete marks.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("permalink", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("edited_at")
        batch_op.drop_column("permalink")
