"""Writing and reading timeline entries; callers own the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from response_bot.timeline.models import EntryKind, TimelineEntry


def add(
    session: AsyncSession,
    incident_id: int,
    kind: EntryKind,
    text: str,
    *,
    occurred_at: datetime,
    author_id: int | None = None,
    data: dict[str, Any] | None = None,
    source_key: str | None = None,
) -> TimelineEntry:
    entry = TimelineEntry(
        incident_id=incident_id,
        kind=kind,
        text=text,
        occurred_at=occurred_at,
        author_id=author_id,
        data=data,
        source_key=source_key,
    )
    session.add(entry)
    return entry


async def for_incident(session: AsyncSession, incident_id: int) -> list[TimelineEntry]:
    statement = (
        select(TimelineEntry)
        .options(selectinload(TimelineEntry.author))
        .where(TimelineEntry.incident_id == incident_id)
        .order_by(TimelineEntry.occurred_at, TimelineEntry.id)
    )
    return list((await session.execute(statement)).scalars())
