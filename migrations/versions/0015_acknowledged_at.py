"""When an incident first got a lead ("acknowledged"), for time-to-acknowledge in insights: kept on
the incident so the aggregation reads one column instead of the whole timeline. Filled in for
existing incidents from their first lead entry (or their declaration, if declared with a lead).
And the indexes the insights' period queries use.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("incidents", sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE incidents SET acknowledged_at = (SELECT MIN(t.occurred_at) FROM timeline_entries t "
        "WHERE t.incident_id = incidents.id AND t.kind = 'lead')"
    )
    op.execute(
        "UPDATE incidents SET acknowledged_at = declared_at "
        "WHERE acknowledged_at IS NULL AND lead_id IS NOT NULL"
    )
    op.create_index("ix_incidents_declared_at", "incidents", ["declared_at"])
    op.create_index("ix_followups_created_at", "followups", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_followups_created_at", table_name="followups")
    op.drop_index("ix_incidents_declared_at", table_name="incidents")
    op.execute("ALTER TABLE incidents DROP COLUMN acknowledged_at")
