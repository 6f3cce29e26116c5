"""Deliveries already handled, keyed by a business key (an event's message, a view, a trigger).

Built-in changes write the key in the same transaction as the change it guards, so a retried or
duplicated delivery finds it and changes nothing, and a crash before commit leaves no key behind.

Plugin handlers do things the bot cannot put in its own transaction, so their key is taken with a
lease (`Deliveries.start`) and released when the handler returns (`finish`): a second delivery
while the first is running, or after it finished, does nothing; one that comes after the first
replica died mid-way (its lease ran out) runs the handler again. Plugin handlers therefore run at
least once, and once unless a replica dies while running one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import String, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from response_bot.db.base import Base, UTCDateTime, utcnow
from response_bot.db.engine import Database, conflict_insert

KEY_LENGTH = 160


class HandledDelivery(Base):
    __tablename__ = "handled_deliveries"

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set while a plugin handler runs for this delivery; None once it finished (or for built-ins).
    running_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


async def claim(bind: AsyncSession | AsyncConnection, key: str) -> bool:
    """True the first time a key is seen (in this transaction's view); False for a duplicate."""
    statement = conflict_insert(bind)(HandledDelivery).values(key=key[:KEY_LENGTH], handled_at=utcnow())
    result = await bind.execute(statement.on_conflict_do_nothing())
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def exists(session: AsyncSession, key: str) -> bool:
    return await session.get(HandledDelivery, key[:KEY_LENGTH]) is not None


class Deliveries:
    """Claims delivery keys in their own transactions, for work that cannot share one with the key."""

    def __init__(self, db: Database, lease: timedelta, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._lease = lease
        self._clock = clock

    async def claim(self, key: str) -> bool:
        async with self._db.statement() as connection:
            return await claim(connection, key)

    async def start(self, key: str) -> bool:
        """True: run the handler for this delivery. False: it ran, or is running on a live replica."""
        now = self._clock()
        async with self._db.statement() as session:
            insert = conflict_insert(session)(HandledDelivery).values(
                key=key[:KEY_LENGTH], handled_at=now, running_until=now + self._lease
            )
            statement = insert.on_conflict_do_update(
                index_elements=[HandledDelivery.key],
                set_={"handled_at": now, "running_until": now + self._lease},
                # Only a run whose replica died (its lease ran out) is taken over.
                where=HandledDelivery.running_until < now,
            ).returning(HandledDelivery.key)
            return (await session.execute(statement)).first() is not None

    async def finish(self, key: str) -> None:
        async with self._db.statement() as session:
            await session.execute(
                update(HandledDelivery)
                .where(HandledDelivery.key == key[:KEY_LENGTH])
                .values(running_until=None)
            )
