"""The public side of an incident: the status-page incident made for it (its id, link and status),
shown on the headline and the doc page.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = ("public_incident_id", "public_incident_url", "public_status")

# Plain ALTER TABLE on both databases, as in 0009: a batch rebuild of `incidents` on SQLite would
# cascade to every table that refers to it.


def upgrade() -> None:
    op.add_column("incidents", sa.Column("public_incident_id", sa.String(length=64), nullable=True))
    op.add_column("incidents", sa.Column("public_incident_url", sa.String(length=512), nullable=True))
    op.add_column("incidents", sa.Column("public_status", sa.String(length=32), nullable=True))


def downgrade() -> None:
    for column in COLUMNS:
        op.execute(f"ALTER TABLE incidents DROP COLUMN {column}")
