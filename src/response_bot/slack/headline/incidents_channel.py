"""Finding the incidents channel (where headline posts go) by name or ID, and joining it."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from response_bot.errors import StartupError
from response_bot.slack.workspace.channels import find_channel


async def resolve(client: AsyncWebClient, wanted: str) -> str:
    """The channel's ID; the bot joins a public channel it is not in. Fails with an actionable message."""
    channel = await find_channel(client, wanted)
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
