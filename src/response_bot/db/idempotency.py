"""Deliveries already handled, keyed by a business key (an event's message, a view, a trigger).

The key is written in the same transaction as the change it guards, so a retried or duplicated
delivery finds it and does nothing, and a crash before commit leaves no key behind.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from response_bot.db.base import Base, UTCDateTime, utcnow
from response_bot.db.engine import Database, dialect_name


class HandledDelivery(Base):
    __tablename__ = "handled_deliveries"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


async def claim(session: AsyncSession, key: str) -> bool:
    """True the first time a key is seen (in this transaction's view); False for a duplicate."""
    insert = postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert
    statement = insert(HandledDelivery).values(key=key[:160], handled_at=utcnow()).on_conflict_do_nothing()
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


class Deliveries:
    """Claims a delivery key in its own transaction, for work that cannot share one with the key."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(self, key: str) -> bool:
        async with self._db.transaction() as session:
            return await claim(session, key)
