"""Queries over incidents; callers own the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from response_bot.incidents.enums import CLOSED
from response_bot.incidents.errors import IncidentNotFound
from response_bot.incidents.models import Incident, IncidentRole
from response_bot.timeline import repository as timeline
from response_bot.timeline.models import EntryKind, TimelineEntry


def with_people() -> Select[Incident]:
    """Many incidents with their people: joins for reporter and lead, one more query for roles."""
    return select(Incident).options(
        joinedload(Incident.reporter),
        joinedload(Incident.lead),
        selectinload(Incident.roles).joinedload(IncidentRole.user),
    )


def one_with_people() -> Select[Incident]:
    """One incident and everyone in it, in a single round trip."""
    return select(Incident).options(
        joinedload(Incident.reporter),
        joinedload(Incident.lead),
        joinedload(Incident.roles).joinedload(IncidentRole.user),
    )


async def get(session: AsyncSession, incident_id: int, *, for_update: bool = False) -> Incident:
    statement = one_with_people().where(Incident.id == incident_id).execution_options(populate_existing=True)
    if for_update:
        # NO KEY UPDATE: rows referencing the incident (timeline, notifications) can still be added
        # meanwhile; a plain FOR UPDATE would block their foreign-key checks and invite deadlocks.
        statement = statement.with_for_update(of=Incident, key_share=True)
    incident = (await session.execute(statement)).unique().scalar_one_or_none()
    if incident is None:
        raise IncidentNotFound(incident_id)
    return incident


async def by_declare_key(session: AsyncSession, declare_key: str) -> Incident | None:
    statement = one_with_people().where(Incident.declare_key == declare_key)
    return (await session.execute(statement)).unique().scalar_one_or_none()


async def by_channel(session: AsyncSession, channel_id: str) -> Incident | None:
    statement = one_with_people().where(Incident.channel_id == channel_id)
    return (await session.execute(statement)).unique().scalar_one_or_none()


async def open_incidents(session: AsyncSession, limit: int = 50) -> list[Incident]:
    statement = (
        with_people()
        .where(Incident.status.not_in(CLOSED))
        .order_by(Incident.severity.asc().nulls_last(), Incident.declared_at.desc())
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def attach_channel(
    session: AsyncSession, incident_id: int, channel_id: str, name: str, now: datetime
) -> TimelineEntry:
    """Record the incident's channel (made or adopted for it), with its timeline entry."""
    await session.execute(
        update(Incident)
        .where(Incident.id == incident_id)
        .values(channel_id=channel_id, channel_name=name, updated_at=now)
    )
    entry = timeline.add(
        session, incident_id, EntryKind.CHANNEL, f"Incident channel #{name} created", occurred_at=now
    )
    await session.flush()
    return entry


async def record_headline(session: AsyncSession, incident_id: int, channel_id: str, ts: str) -> None:
    await session.execute(
        update(Incident)
        .where(Incident.id == incident_id)
        .values(headline_channel_id=channel_id, headline_ts=ts)
    )
