"""`@incident <command> [args]` in a channel: run it when the channel is an incident's."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from response_bot.extensions.replies import Recipient
from response_bot.incidents.service import IncidentService
from response_bot.slack.commands.runner import CommandRunner, Trigger, addressed_to
from response_bot.slack.transport.background import Background
from response_bot.slack.transport.events import Events


def register(app: AsyncApp, events: Events) -> None:
    events.on("app_mention", run_mentioned_command)


async def run_mentioned_command(
    event: dict[str, Any],
    context: AsyncBoltContext,
    incidents: IncidentService,
    commands: CommandRunner,
    background: Background,
) -> None:
    invocation = addressed_to(event.get("text", ""), context.bot_user_id or "")
    if invocation is None or event.get("bot_id"):
        return  # mentioned in passing, or by another bot: not a command
    channel, ts = event["channel"], event["ts"]
    trigger = Trigger(
        event["user"], channel, f"cmd:{channel}:{ts}", message_ts=ts, thread_ts=event.get("thread_ts")
    )
    recipient = Recipient(event["user"], channel, thread_ts=event.get("thread_ts"))
    incident = await incidents.by_channel(channel)
    if incident is None:
        background.spawn(commands.outside_incident(invocation, trigger), recipient)
        return
    # Acked once the command's change is stored (or after the deadline, while it carries on).
    await background.within(commands.run(invocation, incident, trigger), recipient)
