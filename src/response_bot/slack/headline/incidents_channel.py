"""Finding the incidents channel (where headline posts go) by name or ID, and joining it."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from response_bot.errors import StartupError

_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{6,}")


async def resolve(client: AsyncWebClient, wanted: str) -> str:
    """The channel's ID; the bot joins a public channel it is not in. Fails with an actionable message."""
    channel = await _find(client, wanted)
    if channel is None:
        raise StartupError(
            f"INCIDENT_CHANNEL '{wanted}' was not found: create #{wanted.lower()} in Slack "
            "(or invite the bot if it is private), or set INCIDENT_CHANNEL to an existing channel"
        )
    if channel.get("is_archived"):
        raise StartupError(f"INCIDENT_CHANNEL '{wanted}' is archived: unarchive it or choose another channel")
    if not channel.get("is_member"):
        if channel.get("is_private"):
            raise StartupError(f"INCIDENT_CHANNEL '{wanted}' is private: invite the bot to it first")
        await client.conversations_join(channel=channel["id"])
    return str(channel["id"])


async def _find(client: AsyncWebClient, wanted: str) -> dict[str, Any] | None:
    if _CHANNEL_ID.fullmatch(wanted):
        try:
            response = await client.conversations_info(channel=wanted)
        except SlackApiError as error:
            if error.response.get("error") == "channel_not_found":
                return None
            raise
        return dict(response["channel"])
    name = wanted.lower()
    cursor = None
    while True:
        response = await client.conversations_list(
            types="public_channel,private_channel", limit=1000, cursor=cursor
        )
        channels: list[dict[str, Any]] = response.get("channels", [])
        for channel in channels:
            if channel.get("name") == name:
                return dict(channel)
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
