"""Incidents and the Slack users they name.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATUSES = ("investigating", "identified", "monitoring", "resolved", "reported")


def upgrade() -> None:
    op.create_table(
        "slack_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slack_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("real_name", sa.String(length=255), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("profile_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_users")),
        sa.UniqueConstraint("slack_id", name=op.f("uq_slack_users_slack_id")),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("impact", sa.Text(), nullable=True),
        sa.Column("severity", sa.SmallInteger(), nullable=True),
        sa.Column("status", sa.Enum(*STATUSES, name="status", native_enum=False, length=16), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("declare_key", sa.String(length=64), nullable=True),
        sa.Column("headline_channel_id", sa.String(length=32), nullable=True),
        sa.Column("headline_ts", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["slack_users.id"], name=op.f("fk_incidents_lead_id_slack_users")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["slack_users.id"], name=op.f("fk_incidents_reporter_id_slack_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("declare_key", name=op.f("uq_incidents_declare_key")),
    )


def downgrade() -> None:
    op.drop_table("incidents")
    op.drop_table("slack_users")
