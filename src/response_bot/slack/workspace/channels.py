"""Finding a channel by name or ID (the incidents channel, a rule's channel)."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{6,}")


async def find_channel(client: AsyncWebClient, wanted: str) -> dict[str, Any] | None:
    """The channel's record (conversations.info or .list), or None if there is no such channel."""
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
