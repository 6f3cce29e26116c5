"""Effect rows: adding them to a lane, claiming a lane's head with a lease, finishing with fencing.

A lane is one incident's effects for one system (`Effect.lane`): performed in order, one at a time.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from response_bot.db.engine import conflict_insert, dialect_name
from response_bot.effects.models import Effect, EffectStatus

UNFINISHED = (EffectStatus.PENDING, EffectStatus.SENDING)


TABLE = cast(Table, Effect.__table__)
ROW_COLUMNS = (
    "incident_id",
    "lane",
    "kind",
    "payload",
    "dedupe_key",
    "origin_key",
    "status",
    "locked_by",
    "lease_until",
    "attempts",
    "first_attempt_at",
    "due_at",
    "created_at",
)
# Bulk updates here never need to touch objects loaded in the session (there are none worth it).
QUICK = {"synchronize_session": False}


async def add(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Effect]:
    """Insert rows in one statement; returns them (as detached objects) in the order given."""
    if not rows:
        return []
    statement = insert(TABLE).returning(*TABLE.c, sort_by_parameter_order=True)
    result = await session.execute(statement, list(rows))
    return [Effect(**row._mapping) for row in result]


# Statements on the hot paths (a plugin's `say`, marking effects done) are built once, with bound
# parameters: SQLAlchemy then reuses their cache keys instead of rebuilding them on every call.
_ADD_ONCE = {
    name: conflict_insert(name)(TABLE)
    .values({column: bindparam(column) for column in ROW_COLUMNS})
    .on_conflict_do_nothing(index_elements=[TABLE.c.dedupe_key])
    .returning(*TABLE.c)
    for name in ("postgresql", "sqlite")
}
_HELD_HERE = and_(
    TABLE.c.status == EffectStatus.SENDING,
    TABLE.c.locked_by == bindparam("replica"),
    TABLE.c.lease_until > bindparam("now"),
)
_LANE = (
    select(_HELD_HERE.label("mine"))
    .where(
        TABLE.c.incident_id == bindparam("incident_id"),
        TABLE.c.lane == bindparam("lane"),
        TABLE.c.status.in_(UNFINISHED),
    )
    .order_by(_HELD_HERE)  # a row that is not ours sorts first
    .limit(1)
)
_HELD = and_(
    TABLE.c.id.in_(bindparam("ids", expanding=True)),
    TABLE.c.locked_by == bindparam("replica"),
    TABLE.c.status == EffectStatus.SENDING,
)
_FINISHED: dict[str, Any] = {
    "status": EffectStatus.DONE,
    "locked_by": None,
    "lease_until": None,
    "done_at": bindparam("now"),
}
_DONE = update(TABLE).where(_HELD).values(_FINISHED)
_DONE_ONE_WITH_RESULT = (
    update(TABLE)
    .where(
        TABLE.c.id == bindparam("effect_id"),
        TABLE.c.locked_by == bindparam("replica"),
        TABLE.c.status == EffectStatus.SENDING,
    )
    .values({**_FINISHED, "result": bindparam("outcome")})
)
_DONE_WITH_RESULT = update(TABLE).where(_HELD).values({**_FINISHED, "result": bindparam("outcome")})


async def add_once(connection: AsyncConnection, row: dict[str, Any]) -> tuple[Effect, bool]:
    """Insert a row unless its `dedupe_key` exists; returns the row and whether it is new."""
    created = (await connection.execute(_ADD_ONCE[dialect_name(connection)], row)).first()
    if created is not None:
        return Effect(**created._mapping), True
    existing = (
        await connection.execute(select(*TABLE.c).where(TABLE.c.dedupe_key == row["dedupe_key"]))
    ).first()
    assert existing is not None
    return Effect(**existing._mapping), False


async def kinds_in_lane(session: AsyncSession, incident_id: int, lane: str) -> list[str]:
    rows = await session.scalars(
        select(Effect.kind)
        .where(Effect.incident_id == incident_id, Effect.lane == lane, Effect.status != EffectStatus.FAILED)
        .order_by(Effect.id)
    )
    return list(rows.all())


async def exists_key(session: AsyncSession, dedupe_key: str) -> bool:
    return bool(await session.scalar(select(exists().where(Effect.dedupe_key == dedupe_key))))


class Lane(enum.Enum):
    EMPTY = "empty"  # nothing unfinished: new effects are next
    MINE = "mine"  # only effects this replica holds right now: new ones go after them, here
    BUSY = "busy"  # something of another replica's, or waiting for a retry: new ones wait their turn


async def lane(session: AsyncSession, incident_id: int, lane: str, replica: str, now: datetime) -> Lane:
    """What is unfinished in one of the incident's lanes, as far as queueing new effects is concerned."""
    params = {"incident_id": incident_id, "lane": lane, "replica": replica, "now": now}
    rows = await session.execute(_LANE, params)
    first = rows.first()
    if first is None:
        return Lane.EMPTY
    return Lane.MINE if first[0] else Lane.BUSY


def _claimable(now: datetime) -> Any:
    return or_(
        and_(Effect.status == EffectStatus.PENDING, Effect.due_at <= now),
        and_(Effect.status == EffectStatus.SENDING, Effect.lease_until < now),
    )


async def _take(
    session: AsyncSession, ids: list[int], replica: str, now: datetime, lease: timedelta
) -> list[Effect]:
    if not ids:
        return []
    await session.execute(
        update(Effect)
        .where(Effect.id.in_(ids))
        .execution_options(**QUICK)
        .values(
            status=EffectStatus.SENDING,
            locked_by=replica,
            lease_until=now + lease,
            attempts=Effect.attempts + 1,
            first_attempt_at=func.coalesce(Effect.first_attempt_at, now),
        )
    )
    rows = await session.scalars(
        select(Effect).where(Effect.id.in_(ids)).order_by(Effect.id).execution_options(populate_existing=True)
    )
    return list(rows.all())


async def claim_heads(
    session: AsyncSession, replica: str, now: datetime, lease: timedelta, batch: int
) -> list[Effect]:
    """The first unfinished effect of up to `batch` lanes, where it is due or its holder's lease ran out."""
    earlier = aliased(Effect)
    candidates = (
        select(Effect.id)
        .where(
            _claimable(now),
            ~exists().where(
                earlier.incident_id == Effect.incident_id,
                earlier.lane == Effect.lane,
                earlier.id < Effect.id,
                earlier.status.in_(UNFINISHED),
            ),
        )
        .order_by(Effect.id)
        .limit(batch)
    )
    if dialect_name(session) == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True, of=Effect)
    ids = list((await session.scalars(candidates)).all())
    return await _take(session, ids, replica, now, lease)


async def claim_next(
    session: AsyncSession,
    incident_id: int,
    lane: str,
    replica: str,
    now: datetime,
    lease: timedelta,
    *,
    busy: Collection[int] = (),
) -> Effect | None:
    """The lane's head, if it can be taken now: due, its holder's lease ran out, or it is this
    replica's own and not `busy` (left by a run of ours that stopped short, e.g. the database went
    away). The caller must be the only one in this replica working on the lane."""
    head = select(Effect).where(
        Effect.incident_id == incident_id, Effect.lane == lane, Effect.status.in_(UNFINISHED)
    )
    head = head.order_by(Effect.id).limit(1)
    if dialect_name(session) == "postgresql":
        head = head.with_for_update(skip_locked=True)
    row = (await session.scalars(head.execution_options(populate_existing=True))).first()
    if row is None:
        return None
    due = row.status == EffectStatus.PENDING and row.due_at <= now
    expired = row.status == EffectStatus.SENDING and row.lease_until is not None and row.lease_until < now
    orphaned = row.status == EffectStatus.SENDING and row.locked_by == replica and row.id not in busy
    if not (due or expired or orphaned):
        return None
    taken = await _take(session, [row.id], replica, now, lease)
    return taken[0]


async def done(
    session: AsyncSession | AsyncConnection,
    ids: Sequence[int],
    replica: str,
    now: datetime,
    result: dict[str, Any] | None = None,
) -> int:
    """Mark held rows done, if this replica still holds them (the fencing check)."""
    params: dict[str, Any] = {"ids": list(ids), "replica": replica, "now": now}
    if result is None:
        outcome = await session.execute(_DONE, params)
    else:
        outcome = await session.execute(_DONE_WITH_RESULT, {**params, "outcome": result})
    return int(outcome.rowcount)  # type: ignore[attr-defined]


async def done_each(
    session: AsyncSession | AsyncConnection,
    rows: Sequence[tuple[Effect, dict[str, Any]]],
    replica: str,
    now: datetime,
) -> None:
    """Mark held rows done, each with its own result, in one round trip (fenced like `done`)."""
    params = [{"effect_id": e.id, "replica": replica, "now": now, "outcome": result} for e, result in rows]
    # One row (the usual case) is a plain statement; several go as one batch.
    await session.execute(_DONE_ONE_WITH_RESULT, params[0] if len(params) == 1 else params)


async def finish(session: AsyncSession, ids: Sequence[int], replica: str, **values: Any) -> int:
    """Change held rows only if this replica still holds them (the fencing check), and let go."""
    if not ids:
        return 0
    result = await session.execute(
        update(Effect)
        .where(Effect.id.in_(list(ids)), Effect.locked_by == replica, Effect.status == EffectStatus.SENDING)
        .execution_options(**QUICK)
        .values(locked_by=None, lease_until=None, **values)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def hand_back(session: AsyncSession, ids: Sequence[int], replica: str, now: datetime) -> int:
    """Held rows this replica will not try after all: pending again, the attempt not counted."""
    if not ids:
        return 0
    result = await session.execute(
        update(Effect)
        .where(Effect.id.in_(list(ids)), Effect.locked_by == replica, Effect.status == EffectStatus.SENDING)
        .values(
            status=EffectStatus.PENDING,
            locked_by=None,
            lease_until=None,
            due_at=now,
            attempts=Effect.attempts - 1,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def release_all(session: AsyncSession, replica: str, now: datetime) -> int:
    """At shutdown: everything this replica still holds goes back for another replica to take now."""
    result = await session.execute(
        update(Effect)
        .where(Effect.locked_by == replica, Effect.status == EffectStatus.SENDING)
        .values(status=EffectStatus.PENDING, locked_by=None, lease_until=None, due_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def unfinished(session: AsyncSession, created_before: datetime, limit: int = 200) -> list[Effect]:
    """Effects not done that were written before `created_before` (failed ones included)."""
    rows = await session.scalars(
        select(Effect)
        .where(Effect.status != EffectStatus.DONE, Effect.created_at < created_before)
        .order_by(Effect.incident_id, Effect.id)
        .limit(limit)
    )
    return list(rows.all())


async def rearm(session: AsyncSession, kinds: Sequence[str], failed_before: datetime, now: datetime) -> int:
    """Failed effects of these kinds, last tried before `failed_before`, get a fresh set of attempts.

    The count restarts at one, not zero, and the last error is kept: if an earlier try may have
    reached Slack, the next one still looks before repeating it.
    """
    result = await session.execute(
        update(Effect)
        .where(
            Effect.status == EffectStatus.FAILED,
            Effect.kind.in_(list(kinds)),
            Effect.due_at < failed_before,
        )
        .values(status=EffectStatus.PENDING, due_at=now, attempts=1)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
