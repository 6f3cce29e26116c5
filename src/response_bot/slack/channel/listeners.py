"""Renames made in Slack: the incident follows its channel's new name."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from response_bot.incidents.channels import IncidentChannels
from response_bot.slack.transport.events import Events


def register(app: AsyncApp, events: Events) -> None:
    events.on("channel_rename", on_rename)
    events.on("group_rename", on_rename)


async def on_rename(event: dict[str, Any], channels: IncidentChannels) -> None:
    channel = event.get("channel") or {}
    if channel.get("id") and channel.get("name"):
        await channels.renamed(channel["id"], channel["name"])
