"""Effects in lanes: each system the bot calls (Slack, a pager, a status page) gets its own.

Every existing effect is Slack's (the only lane there was); the lane index gains the column so a
lane's head is still found from the index alone.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("effects") as batch:
        batch.add_column(sa.Column("lane", sa.String(length=40), nullable=False, server_default="slack"))
        batch.drop_index("ix_effects_lane")
        batch.create_index("ix_effects_lane", ["incident_id", "lane", "status", "id"])


def downgrade() -> None:
    with op.batch_alter_table("effects") as batch:
        batch.drop_index("ix_effects_lane")
        batch.create_index("ix_effects_lane", ["incident_id", "status", "id"])
        batch.drop_column("lane")
