"""Outbox rows: scheduling, claiming with a lease, and finishing with a fencing check."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from response_bot.db.engine import conflict_insert, dialect_name
from response_bot.notifications.models import Delivery, Notification


def key(incident_id: int, kind: str, occurrence: int) -> str:
    return f"{incident_id}:{kind}:{occurrence}"[:255]


Row = tuple[int, str, int, datetime]  # incident id, kind, occurrence, due at


async def schedule(
    session: AsyncSession, incident_id: int, kind: str, occurrence: int, due_at: datetime
) -> None:
    await schedule_many(session, [(incident_id, kind, occurrence, due_at)])


async def schedule_many(session: AsyncSession, rows: list[Row], *, revive: bool = True) -> None:
    """Make each row (once), in one statement.

    With `revive`, a row that was cancelled (the incident closed and has now reopened) comes back
    as pending; a just-declared incident cannot have any, so it skips that step.
    """
    if not rows:
        return
    # One statement with a parameter list (not a multi-VALUES literal), so its compiled form is cached.
    await session.execute(
        conflict_insert(session)(Notification).on_conflict_do_nothing(
            index_elements=[Notification.dedupe_key]
        ),
        [
            {
                "incident_id": incident_id,
                "kind": kind,
                "occurrence": occurrence,
                "dedupe_key": key(incident_id, kind, occurrence),
                "due_at": due_at,
                "status": Delivery.PENDING,
                "attempts": 0,
                "created_at": due_at,
            }
            for incident_id, kind, occurrence, due_at in rows
        ],
    )
    if not revive:
        return
    for incident_id, kind, occurrence, due_at in rows:
        await session.execute(
            update(Notification)
            .where(
                Notification.dedupe_key == key(incident_id, kind, occurrence),
                Notification.status == Delivery.CANCELLED,
            )
            .values(status=Delivery.PENDING, due_at=due_at, attempts=0, last_error=None)
        )


async def sent_counts(session: AsyncSession, incident_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(Notification.kind, func.count())
        .where(Notification.incident_id == incident_id, Notification.status == Delivery.SENT)
        .group_by(Notification.kind)
    )
    return {kind: int(count) for kind, count in rows.all()}


async def cancel_pending(session: AsyncSession, incident_id: int, *, keep: tuple[str, ...] = ()) -> None:
    await session.execute(
        update(Notification)
        .where(
            Notification.incident_id == incident_id,
            Notification.status == Delivery.PENDING,
            Notification.kind.not_in(keep),
        )
        .values(status=Delivery.CANCELLED, lease_until=None, locked_by=None)
    )


async def claim(
    session: AsyncSession, replica: str, now: datetime, lease: timedelta, batch: int
) -> list[Notification]:
    """Take up to `batch` due rows (and rows whose holder's lease ran out) for `replica`.

    On Postgres `FOR UPDATE SKIP LOCKED` lets replicas claim side by side without waiting on each
    other; SQLite (one process) serialises the whole transaction instead.
    """
    due = or_(
        and_(Notification.status == Delivery.PENDING, Notification.due_at <= now),
        and_(Notification.status == Delivery.SENDING, Notification.lease_until < now),
    )
    candidates = select(Notification.id).where(due).order_by(Notification.due_at).limit(batch)
    if dialect_name(session) == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list((await session.execute(candidates)).scalars())
    if not ids:
        return []
    await session.execute(
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(
            status=Delivery.SENDING,
            locked_by=replica,
            lease_until=now + lease,
            attempts=Notification.attempts + 1,
            first_attempt_at=func.coalesce(Notification.first_attempt_at, now),
        )
    )
    rows = await session.execute(
        select(Notification).where(Notification.id.in_(ids)).execution_options(populate_existing=True)
    )
    return list(rows.scalars())


async def finish(session: AsyncSession, row_id: int, replica: str, **values: Any) -> bool:
    """Change a claimed row only if this replica still holds it (the fencing check), and let go of it."""
    result = await session.execute(
        update(Notification)
        .where(
            Notification.id == row_id,
            Notification.locked_by == replica,
            Notification.status == Delivery.SENDING,
        )
        .values(locked_by=None, lease_until=None, **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release(session: AsyncSession, replica: str) -> int:
    result = await session.execute(
        update(Notification)
        .where(Notification.locked_by == replica, Notification.status == Delivery.SENDING)
        # Released before any send was tried, so the attempt doesn't count.
        .values(status=Delivery.PENDING, locked_by=None, lease_until=None, attempts=Notification.attempts - 1)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
