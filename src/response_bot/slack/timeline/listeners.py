"""The timeline from Slack: the "Add to incident timeline" shortcut, pins, the timeline emoji, and
edits or deletions of messages already on a timeline."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from response_bot.slack.ids import Shortcut
from response_bot.slack.timeline.capture import TimelineCapture
from response_bot.slack.transport.background import Background
from response_bot.slack.transport.events import Events
from response_bot.slack.transport.recipients import Replies, recipient_of


def register(app: AsyncApp, events: Events) -> None:
    app.shortcut(Shortcut.ADD_TO_TIMELINE)(add_to_timeline)
    events.on("pin_added", on_pin_added)
    events.on("pin_removed", on_pin_removed)
    events.on("reaction_added", on_reaction_added)
    events.on("reaction_removed", on_reaction_removed)
    events.on("message", on_message_changed)


async def on_pin_added(event: dict[str, Any], capture: TimelineCapture) -> None:
    await capture.pinned(event)


async def on_pin_removed(event: dict[str, Any], capture: TimelineCapture) -> None:
    await capture.unpinned(event)


async def on_reaction_added(event: dict[str, Any], capture: TimelineCapture) -> None:
    await capture.reacted(event)


async def on_reaction_removed(event: dict[str, Any], capture: TimelineCapture) -> None:
    await capture.unreacted(event)


async def on_message_changed(event: dict[str, Any], capture: TimelineCapture) -> None:
    """An edit or a deletion follows the message onto its timeline entry, if it has one."""
    subtype = event.get("subtype")
    if subtype == "message_changed":
        await capture.changed(event)
    elif subtype == "message_deleted":
        await capture.deleted(event)


async def add_to_timeline(
    ack: AsyncAck, body: dict[str, Any], capture: TimelineCapture, replies: Replies, background: Background
) -> None:
    recipient = recipient_of(body)
    channel = (body.get("channel") or {}).get("id")
    message = body.get("message") or {}

    async def add() -> None:
        added = await capture.capture(channel, message, "shortcut") if channel else None
        if added is None:
            text = "That message isn't in an incident channel, so it can't go on a timeline."
        else:
            text = "📌 Added to the incident timeline."
        await replies.tell(recipient, text)

    # Stored before the ack, like every change to an incident.
    await background.within(add(), recipient)
    await ack()
