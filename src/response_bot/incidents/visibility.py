"""Who may see an incident: everyone for public ones; for private ones, the people in its channel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from response_bot.incidents.models import Incident

# Slack channel ID → the user IDs in it (an adapter supplies this; it may cache).
MembersOf = Callable[[str], Awaitable[frozenset[str]]]


async def can_see(incident: Incident, user_id: str | None, members_of: MembersOf) -> bool:
    if not incident.private:
        return True
    if user_id is None:
        return False
    involved = {incident.reporter.slack_id, *(u.slack_id for u in incident.holders.values())}
    if user_id in involved:
        return True
    if not incident.channel_id:
        return False
    return user_id in await members_of(incident.channel_id)
