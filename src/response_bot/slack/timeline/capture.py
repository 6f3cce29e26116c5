"""Turning Slack pins, reactions, shortcuts, edits and deletions into timeline changes."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from response_bot.incidents.service import IncidentService
from response_bot.slack.workspace.identity import Workspace
from response_bot.timeline.service import CapturedMessage, TimelineService


class TimelineCapture:
    def __init__(
        self,
        client: AsyncWebClient,
        incidents: IncidentService,
        timeline: TimelineService,
        workspace: Workspace,
        emoji: str,
    ) -> None:
        self._client = client
        self._incidents = incidents
        self._timeline = timeline
        self._workspace = workspace
        self.emoji = emoji

    def message(self, channel_id: str, raw: dict[str, Any]) -> CapturedMessage:
        ts = str(raw["ts"])
        thread_ts = raw.get("thread_ts")
        return CapturedMessage(
            channel_id=channel_id,
            ts=ts,
            user_id=raw.get("user"),
            text=str(raw.get("text") or ""),
            permalink=raw.get("permalink") or self._workspace.permalink(channel_id, ts, thread_ts),
            thread_ts=thread_ts,
        )

    async def capture(self, channel_id: str, raw: dict[str, Any], source: str) -> bool | None:
        """None when the channel is not an incident's; otherwise whether the entry is new."""
        incident = await self._incidents.by_channel(channel_id)
        if incident is None:
            return None
        await self._timeline.capture(incident.id, self.message(channel_id, raw), source)
        return True

    async def pinned(self, event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        message = item.get("message")
        channel = item.get("channel") or event.get("channel_id")
        if item.get("type") == "message" and isinstance(message, dict) and channel:
            await self.capture(channel, message, "pin")

    async def unpinned(self, event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        message = item.get("message") or {}
        channel = item.get("channel") or event.get("channel_id")
        if channel and message.get("ts"):
            await self._timeline.release(channel, str(message["ts"]), "pin")

    async def reacted(self, event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        if event.get("reaction") != self.emoji or item.get("type") != "message":
            return
        channel, ts = item["channel"], item["ts"]
        if await self._incidents.by_channel(channel) is None:
            return
        message = await self._fetch(channel, ts)
        if message is not None:
            await self.capture(channel, message, "reaction")

    async def unreacted(self, event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        if event.get("reaction") != self.emoji or item.get("type") != "message":
            return
        message = await self._fetch(item["channel"], item["ts"])
        still = message is not None and any(
            r.get("name") == self.emoji and r.get("count", 0) > 0 for r in message.get("reactions", [])
        )
        if not still:
            await self._timeline.release(item["channel"], item["ts"], "reaction")

    async def changed(self, event: dict[str, Any]) -> None:
        message = event.get("message") or {}
        if event.get("channel") and message.get("ts"):
            await self._timeline.edited(event["channel"], str(message["ts"]), str(message.get("text") or ""))

    async def deleted(self, event: dict[str, Any]) -> None:
        if event.get("channel") and event.get("deleted_ts"):
            await self._timeline.deleted(event["channel"], str(event["deleted_ts"]))

    async def _fetch(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        """The message itself (reaction events carry only its ts); works for thread replies too."""
        response = await self._client.conversations_replies(
            channel=channel_id, ts=ts, oldest=ts, latest=ts, inclusive=True, limit=10
        )
        messages: list[dict[str, Any]] = response.get("messages", [])
        return next((m for m in messages if m.get("ts") == ts), None)
