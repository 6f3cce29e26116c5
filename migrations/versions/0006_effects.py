"""Durable effects: everything a stored change must show in Slack, as outbox rows.

Also: plugin handlers' delivery keys get a lease (`running_until`), and the channel claim the
effects replace (`incidents.channel_claimed_at`) goes. Incidents stored before this revision
without a headline are announced by the dispatcher's sweep.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "effects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=True),
        sa.Column("origin_key", sa.String(length=160), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "sending", "done", "failed", name="effectstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_by", sa.String(length=120), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_effects_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_effects")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_effects_dedupe_key")),
    )
    with op.batch_alter_table("effects", schema=None) as batch_op:
        batch_op.create_index("ix_effects_due", ["status", "due_at"], unique=False)
        batch_op.create_index("ix_effects_lane", ["incident_id", "status", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_effects_origin_key"), ["origin_key"], unique=False)
    with op.batch_alter_table("handled_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("running_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("channel_claimed_at")
    # The "announce" reminder was the old safety net for unannounced incidents; the sweep replaces it.
    op.execute("UPDATE notifications SET status = 'cancelled' WHERE kind = 'announce' AND status = 'pending'")


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel_claimed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("handled_deliveries", schema=None) as batch_op:
        batch_op.drop_column("running_until")
    with op.batch_alter_table("effects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_effects_origin_key"))
        batch_op.drop_index("ix_effects_lane")
        batch_op.drop_index("ix_effects_due")
    op.drop_table("effects")
