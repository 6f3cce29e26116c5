"""Which Slack channel belongs to which incident: renames made by command or in Slack."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from response_bot.db.base import utcnow
from response_bot.db.engine import Database
from response_bot.incidents import repository
from response_bot.incidents.service import Change
from response_bot.timeline import repository as timeline
from response_bot.timeline.models import EntryKind
from response_bot.timeline.service import EntryAdded


class IncidentChannels:
    def __init__(
        self, db: Database, clock: Callable[[], datetime] = utcnow, *, on_added: EntryAdded | None = None
    ) -> None:
        self._db = db
        self._clock = clock
        self._on_added = on_added

    async def renamed(self, channel_id: str, name: str) -> Change | None:
        """Record a rename (by command or in Slack); None when the channel is not an incident's.

        Slack sends `channel_rename` for the bot's own renames too; the second report is a no-op.
        """
        now = self._clock()
        async with self._db.transaction() as session:
            incident = await repository.by_channel(session, channel_id)
            if incident is None:
                return None
            if incident.channel_name == name:
                return Change(incident)
            old = incident.channel_name
            incident.channel_name = name
            entry = timeline.add(
                session,
                incident.id,
                EntryKind.RENAMED,
                f"Channel renamed from #{old} to #{name}",
                occurred_at=now,
            )
            await session.flush()
            if self._on_added is not None:
                await self._on_added(session, entry)
            return Change(await repository.get(session, incident.id), frozenset({"channel_name"}))
