"""Capturing Slack messages onto an incident's timeline, and keeping them in step with edits; and
recording what calls to other systems did (a page, a status-page update)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from response_bot.db.base import utcnow
from response_bot.db.engine import Database
from response_bot.timeline import repository
from response_bot.timeline.models import EntryKind, TimelineEntry
from response_bot.users import repository as users
from response_bot.users.models import UserRef


@dataclass(frozen=True)
class CapturedMessage:
    """A Slack message as it was posted: where, when (its ts), who, what (raw text) and a link to it."""

    channel_id: str
    ts: str
    user_id: str | None
    text: str
    permalink: str | None = None
    thread_ts: str | None = None

    @property
    def key(self) -> str:
        return message_key(self.channel_id, self.ts)

    @property
    def posted_at(self) -> datetime:
        return datetime.fromtimestamp(float(self.ts), UTC)


def message_key(channel_id: str, ts: str) -> str:
    return f"msg:{channel_id}:{ts}"


# Told of each entry this service adds, inside its transaction (to queue what it needs: a webhook).
EntryAdded = Callable[[AsyncSession, TimelineEntry], Awaitable[None]]


class TimelineService:
    def __init__(
        self, db: Database, clock: Callable[[], datetime] = utcnow, *, on_added: EntryAdded | None = None
    ) -> None:
        self._db = db
        self._clock = clock
        self.on_added = on_added

    async def _added(self, session: AsyncSession, entry: TimelineEntry) -> None:
        if self.on_added is not None:
            await session.flush()
            await self.on_added(session, entry)

    async def entries(self, incident_id: int) -> list[TimelineEntry]:
        async with self._db.transaction() as session:
            return await repository.for_incident(session, incident_id)

    async def record(
        self, incident_id: int, text: str, *, key: str, data: dict[str, Any] | None = None
    ) -> bool:
        """An entry for something another system did, once per `key`; True if it is new."""
        try:
            async with self._db.transaction() as session:
                if await self._by_key(session, key) is not None:
                    return False
                entry = repository.add(
                    session,
                    incident_id,
                    EntryKind.INTEGRATION,
                    text,
                    occurred_at=self._clock(),
                    data=data,
                    source_key=key,
                )
                await self._added(session, entry)
                return True
        except IntegrityError:
            return False  # recorded a moment ago by another replica making the same call

    async def capture(self, incident_id: int, message: CapturedMessage, source: str) -> bool:
        """Put a message on the timeline (once, however many ways it is captured); True if it is new."""
        try:
            return await self._capture(incident_id, message, source)
        except IntegrityError:
            # A pin and a reaction for the same message arrived together and the other one inserted
            # first; now the entry exists and this source is merged into it.
            return await self._capture(incident_id, message, source)

    async def _capture(self, incident_id: int, message: CapturedMessage, source: str) -> bool:
        async with self._db.transaction() as session:
            entry = await self._by_key(session, message.key)
            if entry is not None:
                sources = entry.sources
                if source not in sources or entry.deleted_at is not None:
                    entry.data = {**(entry.data or {}), "sources": sorted({*sources, source})}
                return False
            author = await users.upsert(session, UserRef(message.user_id)) if message.user_id else None
            added = repository.add(
                session,
                incident_id,
                EntryKind.MESSAGE,
                message.text,
                occurred_at=message.posted_at,
                author_id=author.id if author else None,
                data={"sources": [source], "thread_ts": message.thread_ts},
                source_key=message.key,
            )
            added.permalink = message.permalink
            await self._added(session, added)
            return True

    async def release(self, channel_id: str, ts: str, source: str) -> bool:
        """Undo one way of capturing (an unpin); the entry goes when nothing keeps it. True if removed."""
        async with self._db.transaction() as session:
            entry = await self._by_key(session, message_key(channel_id, ts))
            if entry is None or source not in entry.sources:
                return False
            remaining = [s for s in entry.sources if s != source]
            if remaining:
                entry.data = {**(entry.data or {}), "sources": remaining}
                return False
            await session.delete(entry)
            return True

    async def edited(self, channel_id: str, ts: str, text: str) -> bool:
        async with self._db.transaction() as session:
            entry = await self._by_key(session, message_key(channel_id, ts))
            if entry is None or entry.text == text:
                return False
            entry.text, entry.edited_at = text, self._clock()
            return True

    async def deleted(self, channel_id: str, ts: str) -> bool:
        async with self._db.transaction() as session:
            entry = await self._by_key(session, message_key(channel_id, ts))
            if entry is None or entry.deleted_at is not None:
                return False
            entry.deleted_at = self._clock()
            return True

    async def _by_key(self, session: AsyncSession, key: str) -> TimelineEntry | None:
        statement = select(TimelineEntry).where(TimelineEntry.source_key == key).with_for_update()
        return (await session.execute(statement)).scalar_one_or_none()
