"""The "Add to incident timeline" message shortcut."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from response_bot.slack.background import Background
from response_bot.slack.capture import TimelineCapture
from response_bot.slack.ids import Shortcut
from response_bot.slack.recipients import Replies, recipient_of

DEADLINE = 2.5


def register(app: AsyncApp) -> None:
    app.shortcut(Shortcut.ADD_TO_TIMELINE)(add_to_timeline)


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
    await background.within(add(), recipient, DEADLINE)
    await ack()
