"""Which Slack channel belongs to which incident, and who is creating one right now."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, update

from response_bot.db.base import utcnow
from response_bot.db.engine import Database
from response_bot.incidents import repository
from response_bot.incidents.models import Incident
from response_bot.incidents.service import Change
from response_bot.timeline import repository as timeline
from response_bot.timeline.models import EntryKind

# A claim older than this belongs to a worker that died; someone else may try again.
CLAIM_TIMEOUT = timedelta(seconds=60)


class IncidentChannels:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def claim(self, incident_id: int) -> bool:
        """Take the right to create this incident's channel; False if it has one or someone is on it."""
        now = self._clock()
        async with self._db.transaction() as session:
            result = await session.execute(
                update(Incident)
                .where(
                    Incident.id == incident_id,
                    Incident.channel_id.is_(None),
                    or_(
                        Incident.channel_claimed_at.is_(None),
                        Incident.channel_claimed_at < now - CLAIM_TIMEOUT,
                    ),
                )
                .values(channel_claimed_at=now)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def release(self, incident_id: int) -> None:
        async with self._db.transaction() as session:
            await session.execute(
                update(Incident).where(Incident.id == incident_id).values(channel_claimed_at=None)
            )

    async def attach(self, incident_id: int, channel_id: str, name: str) -> Incident:
        """Record the channel made under this worker's claim; returns the incident as it is now."""
        now = self._clock()
        async with self._db.transaction() as session:
            await session.execute(
                update(Incident)
                .where(Incident.id == incident_id)
                .values(channel_id=channel_id, channel_name=name, channel_claimed_at=None, updated_at=now)
            )
            timeline.add(
                session, incident_id, EntryKind.CHANNEL, f"Incident channel #{name} created", occurred_at=now
            )
            await session.flush()
            return await repository.get(session, incident_id)

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
            timeline.add(
                session,
                incident.id,
                EntryKind.RENAMED,
                f"Channel renamed from #{old} to #{name}",
                occurred_at=now,
            )
            await session.flush()
            return Change(await repository.get(session, incident.id), frozenset({"channel_name"}))
