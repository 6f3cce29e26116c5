"""A call for the war room: each incident may have a meeting link (a fixed one, one from a template,
or a Zoom meeting made for it), shown on the headline, the channel and the doc page.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (SQLite has had ADD and DROP COLUMN since 3.35): a batch
# operation would rebuild `incidents` on SQLite, and dropping the old table would cascade to every
# table that refers to it.


def upgrade() -> None:
    op.add_column("incidents", sa.Column("call_url", sa.String(length=1024), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE incidents DROP COLUMN call_url")
