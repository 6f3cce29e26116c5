"""Upserts and lookups of Slack users; callers own the transaction."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from response_bot.db.base import utcnow
from response_bot.db.engine import dialect_name
from response_bot.users.models import User, UserRef

_PROFILE_FIELDS = ("name", "real_name", "display_name", "is_bot", "deleted")


async def upsert(session: AsyncSession, ref: UserRef, *, fetched: bool = False) -> User:
    """Insert the user once per Slack ID; refresh only the profile fields the caller knows."""
    known = {field: getattr(ref, field) for field in _PROFILE_FIELDS if getattr(ref, field) is not None}
    now = utcnow()
    values = {"slack_id": ref.slack_id, "updated_at": now, **known}
    if fetched:
        values["profile_fetched_at"] = now
    insert = postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert
    statement = insert(User).values(**values)
    if known or fetched:
        updates = {key: statement.excluded[key] for key in values if key != "slack_id"}
        statement = statement.on_conflict_do_update(index_elements=[User.slack_id], set_=updates)
    else:
        # Nothing new to say about them: don't rewrite (and lock) their row.
        statement = statement.on_conflict_do_nothing(index_elements=[User.slack_id])
    await session.execute(statement)
    user = await by_slack_id(session, ref.slack_id)
    assert user is not None
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
