"""Drills: an incident run for practice is marked as one (the headline, channel, doc page and
insights tell it apart; nobody is paged for it unless DRILLS_PAGE says so).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# Plain ALTER TABLE on both databases, as in 0009: a batch rebuild of `incidents` on SQLite would
# cascade to every table that refers to it.


def upgrade() -> None:
    op.add_column("incidents", sa.Column("drill", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.execute("ALTER TABLE incidents DROP COLUMN drill")
