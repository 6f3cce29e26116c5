"""Upserts and lookups of Slack users; callers own the transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from response_bot.db.base import utcnow
from response_bot.db.engine import conflict_insert
from response_bot.users.models import User, UserRef

_PROFILE_FIELDS = ("name", "real_name", "display_name", "is_bot", "deleted")


async def upsert(session: AsyncSession, ref: UserRef, *, fetched: bool = False) -> User:
    """Insert the user once per Slack ID; refresh only the profile fields the caller knows.

    One round trip in the usual cases: an upsert that returns the row, or (when there is nothing
    new to say about someone already stored) a plain lookup that leaves their row unlocked.
    """
    known = {field: getattr(ref, field) for field in _PROFILE_FIELDS if getattr(ref, field) is not None}
    now = utcnow()
    values = {"slack_id": ref.slack_id, "updated_at": now, **known}
    if fetched:
        values["profile_fetched_at"] = now
    statement = conflict_insert(session)(User).values(**values)
    if known or fetched:
        updates = {key: statement.excluded[key] for key in values if key != "slack_id"}
        upserted = statement.on_conflict_do_update(index_elements=[User.slack_id], set_=updates)
        user = await _returned(session, upserted)
        assert user is not None
        return user
    stored = await by_slack_id(session, ref.slack_id)
    if stored is not None:
        return stored
    inserted = await _returned(
        session, statement.on_conflict_do_nothing(index_elements=[User.slack_id]), optional=True
    )
    if inserted is None:  # someone else inserted them a moment ago
        inserted = await by_slack_id(session, ref.slack_id)
    assert inserted is not None
    return inserted


async def _returned(session: AsyncSession, statement: Any, *, optional: bool = False) -> User | None:
    result = await session.scalars(statement.returning(User), execution_options={"populate_existing": True})
    user: User | None = result.one_or_none() if optional else result.one()
    return user


async def by_slack_id(session: AsyncSession, slack_id: str) -> User | None:
    result = await session.execute(
        select(User).where(User.slack_id == slack_id).execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def without_profile(session: AsyncSession, slack_ids: Iterable[str]) -> list[str]:
    """The IDs among these whose profile has never been fetched from Slack."""
    ids = list(set(slack_ids))
    if not ids:
        return []
    result = await session.execute(
        select(User.slack_id).where(User.slack_id.in_(ids), User.profile_fetched_at.is_not(None))
    )
    fetched = set(result.scalars())
    return [slack_id for slack_id in ids if slack_id not in fetched]


async def many(session: AsyncSession, slack_ids: Iterable[str]) -> list[User]:
    ids = list(set(slack_ids))
    if not ids:
        return []
    return list((await session.execute(select(User).where(User.slack_id.in_(ids)))).scalars())
