"""Keeping stored profiles good enough to show names on the doc pages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Protocol

from response_bot.db.engine import Database
from response_bot.users import repository
from response_bot.users.errors import UnknownUser
from response_bot.users.models import UserRef

log = logging.getLogger(__name__)


class ProfileSource(Protocol):
    """Where full profiles come from (Slack's users.info, in production)."""

    async def fetch(self, slack_id: str) -> UserRef | None: ...

    async def find_by_email(self, email: str) -> str | None: ...


class UserService:
    def __init__(self, db: Database, source: ProfileSource) -> None:
        self._db = db
        self._source = source

    async def complete_profiles(self, slack_ids: Iterable[str]) -> int:
        """Fetch the profiles never fetched before; returns how many were stored."""
        async with self._db.transaction() as session:
            missing = await repository.without_profile(session, slack_ids)
        if not missing:
            return 0
        results = await asyncio.gather(*(self._source.fetch(i) for i in missing[:20]), return_exceptions=True)
        profiles = [r for r in results if isinstance(r, UserRef)]
        for failure in (r for r in results if isinstance(r, BaseException)):
            log.info("could not fetch a profile: %s", failure)
        if profiles:
            async with self._db.transaction() as session:
                for profile in profiles:
                    await repository.upsert(session, profile, fetched=True)
        return len(profiles)

    async def profile(self, slack_id: str) -> UserRef:
        """The user with profile flags (bot? deactivated?), asking Slack the first time only.

        Raises UnknownUser when Slack has never heard of them.
        """
        async with self._db.transaction() as session:
            stored = await repository.by_slack_id(session, slack_id)
        if stored is None or stored.profile_fetched_at is None:
            fetched = await self._source.fetch(slack_id)
            if fetched is None:
                raise UnknownUser(slack_id)
            async with self._db.transaction() as session:
                stored = await repository.upsert(session, fetched, fetched=True)
        return UserRef(
            slack_id,
            name=stored.name,
            real_name=stored.real_name,
            display_name=stored.display_name,
            is_bot=stored.is_bot,
            deleted=stored.deleted,
        )

    async def labels(self, slack_ids: Iterable[str], *, fetch_timeout: float = 1.5) -> dict[str, str]:
        """Display names for these users, fetching unknown profiles from Slack within a time budget."""
        wanted = list(dict.fromkeys(slack_ids))
        if not wanted:
            return {}
        try:
            async with asyncio.timeout(fetch_timeout):
                await self.complete_profiles(wanted)
        except Exception as error:  # names are a nicety; pages must still render
            log.info("profiles not refreshed: %s", error)
        async with self._db.transaction() as session:
            found = await repository.many(session, wanted)
        return {user.slack_id: user.label for user in found}

    async def id_for_email(self, email: str) -> str | None:
        return await self._source.find_by_email(email)
