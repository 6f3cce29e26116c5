"""One name per concept: a proposed summary or impact is a proposal everywhere, its table too.

`pending_edits` becomes `proposals`, with its constraints (and on Postgres its id sequence)
renamed to match. Rows waiting for their proposer are kept.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rename("pending_edits", "proposals")


def downgrade() -> None:
    _rename("proposals", "pending_edits")


def _rename(old: str, new: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.rename_table(old, new)
        for constraint in ("pk_{}", "fk_{}_incident_id_incidents"):
            op.execute(
                f"ALTER TABLE {new} RENAME CONSTRAINT {constraint.format(old)} TO {constraint.format(new)}"
            )
        op.execute(f"ALTER SEQUENCE {old}_id_seq RENAME TO {new}_id_seq")
        return
    # SQLite keeps constraint names in the table's CREATE statement: make the table afresh.
    _create(new)
    op.execute(
        f"INSERT INTO {new} (id, incident_id, field, text, proposed_by, created_at) "
        f"SELECT id, incident_id, field, text, proposed_by, created_at FROM {old}"
    )
    op.drop_table(old)


def _create(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("proposed_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f(f"fk_{name}_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
