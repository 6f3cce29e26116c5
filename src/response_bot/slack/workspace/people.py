"""Looking up the people a form names before acting on it (bots and strangers can't lead)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from slack_sdk.errors import SlackApiError

from response_bot.incidents.fields import IncidentFields
from response_bot.users.service import UserService

LOOKUP_TIMEOUT = 1.5


async def with_lead_profile(fields: IncidentFields, users: UserService) -> IncidentFields:
    """The lead with their profile (so a bot or a deactivated account is refused), when Slack answers
    in time; UnknownUser if Slack doesn't know them. If Slack is slow the check is skipped."""
    if fields.lead is None:
        return fields
    try:
        profile = await asyncio.wait_for(users.profile(fields.lead.slack_id), LOOKUP_TIMEOUT)
    except (TimeoutError, SlackApiError):
        return fields
    return replace(fields, lead=profile)
