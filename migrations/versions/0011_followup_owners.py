"""Follow-ups that get done: each has an owner (who wrote it, unless they named someone) and may
have a due date.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # `followups` has no table referring to it, so SQLite's batch rebuild is safe here; it is needed
    # for the foreign key.
    with op.batch_alter_table("followups") as batch:
        batch.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch.create_foreign_key("fk_followups_owner_id_slack_users", "slack_users", ["owner_id"], ["id"])
    # Follow-ups written before owners existed belong to whoever wrote them.
    op.execute("UPDATE followups SET owner_id = created_by_id WHERE owner_id IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("followups") as batch:
        batch.drop_constraint("fk_followups_owner_id_slack_users", type_="foreignkey")
        batch.drop_column("due_on")
        batch.drop_column("owner_id")
