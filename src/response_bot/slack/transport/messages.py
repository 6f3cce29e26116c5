"""Finding a message the bot posted by the metadata it tagged the message with (an effect's, a
notification's, a headline's, a welcome's), so that a retry finds it instead of posting it twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from response_bot.slack.ids import MetadataEvent

Match = Callable[[str, dict[str, Any]], bool]


def effect_metadata(effect_id: int) -> dict[str, Any]:
    return {"event_type": MetadataEvent.EFFECT, "event_payload": {"effect_id": effect_id}}


def is_effect(effect_id: int) -> Match:
    return lambda event_type, payload: (
        event_type == MetadataEvent.EFFECT and payload.get("effect_id") == effect_id
    )


def is_notification(notification_id: int) -> Match:
    """A reminder or a plugin's notification, tagged by `extensions.context.notification_metadata`."""
    return lambda _event_type, payload: payload.get("notification_id") == notification_id


def _matching(messages: list[dict[str, Any]], match: Match) -> str | None:
    for message in messages:
        metadata = message.get("metadata")
        if not isinstance(metadata, dict):
            continue
        payload = metadata.get("event_payload") or {}
        if isinstance(payload, dict) and match(str(metadata.get("event_type", "")), payload):
            return str(message["ts"])
    return None


async def find_in_history(
    client: AsyncWebClient, channel: str, since: datetime, match: Match, *, pages: int = 5
) -> str | None:
    """The ts of a message posted in `channel` since `since` whose metadata matches, if any."""
    cursor = None
    for _ in range(pages):
        response = await client.conversations_history(
            channel=channel,
            oldest=f"{since.timestamp():.6f}",
            include_all_metadata=True,
            limit=200,
            cursor=cursor,
        )
        found = _matching(response.get("messages", []), match)
        if found or not response.get("has_more"):
            return found
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None


async def find_in_thread(
    client: AsyncWebClient, channel: str, thread_ts: str, since: datetime, match: Match
) -> str | None:
    """The ts of a reply in a thread since `since` whose metadata matches, if any."""
    response = await client.conversations_replies(
        channel=channel,
        ts=thread_ts,
        oldest=f"{since.timestamp():.6f}",
        include_all_metadata=True,
        limit=200,
    )
    return _matching(response.get("messages", []), match)
