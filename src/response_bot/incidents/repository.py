"""Queries over incidents; callers own the transaction."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from response_bot.incidents.errors import IncidentNotFound
from response_bot.incidents.models import Incident


def _with_people() -> Select[Incident]:
    return select(Incident).options(selectinload(Incident.reporter), selectinload(Incident.lead))


async def get(session: AsyncSession, incident_id: int, *, for_update: bool = False) -> Incident:
    statement = _with_people().where(Incident.id == incident_id).execution_options(populate_existing=True)
    if for_update:
        statement = statement.with_for_update(of=Incident)
    incident = (await session.execute(statement)).scalar_one_or_none()
    if incident is None:
        raise IncidentNotFound(incident_id)
    return incident


async def by_declare_key(session: AsyncSession, declare_key: str) -> Incident | None:
    statement = _with_people().where(Incident.declare_key == declare_key)
    return (await session.execute(statement)).scalar_one_or_none()


async def add(session: AsyncSession, incident: Incident) -> Incident:
    session.add(incident)
    await session.flush()
    return await get(session, incident.id)
