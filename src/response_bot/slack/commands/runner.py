"""Incident commands: reading `@incident <command> [args]` / `/incident <command> [args]` and running them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from response_bot import crashpoints
from response_bot.db.idempotency import Deliveries
from response_bot.errors import UserError
from response_bot.extensions.context import DONE, IncidentContext, Toolkit
from response_bot.extensions.replies import Recipient
from response_bot.incidents.models import Incident
from response_bot.slack.blocks import commands as replies

# The bot mentioned first (after any whitespace), in either of Slack's mention forms.
_LEADING_MENTION = re.compile(r"^\s*<@(?P<id>[UW][A-Z0-9]+)(?:\|[^>]*)?>[\s:,]*", re.DOTALL)


@dataclass(frozen=True)
class Invocation:
    name: str
    args: str


def split(text: str) -> Invocation:
    """`Sev 1` → (`sev`, `1`); arguments keep their newlines. An empty text asks for help."""
    parts = text.strip().split(None, 1)
    if not parts:
        return Invocation("help", "")
    return Invocation(parts[0].lower(), parts[1].strip() if len(parts) > 1 else "")


def addressed_to(text: str, bot_user_id: str) -> Invocation | None:
    """The command in a message that starts by mentioning the bot; None for any other message."""
    match = _LEADING_MENTION.match(text or "")
    if match is None or match.group("id") != bot_user_id:
        return None
    return split(text[match.end() :])


@dataclass(frozen=True)
class Trigger:
    """Who ran a command, where, and the key that makes its delivery happen once."""

    user_id: str
    channel_id: str
    key: str
    message_ts: str | None = None
    thread_ts: str | None = None
    response_url: str | None = None
    trigger_id: str | None = None

    @property
    def recipient(self) -> Recipient:
        return Recipient(self.user_id, self.channel_id, self.response_url, self.thread_ts)


class CommandRunner:
    def __init__(self, toolkit: Toolkit, deliveries: Deliveries) -> None:
        self.toolkit = toolkit
        self._deliveries = deliveries

    def knows(self, name: str) -> bool:
        return name in self.toolkit.registry.commands

    def context(self, incident: Incident, invocation: Invocation, trigger: Trigger) -> IncidentContext:
        return IncidentContext(
            self.toolkit,
            incident,
            user_id=trigger.user_id,
            channel_id=trigger.channel_id,
            args=invocation.args,
            text=invocation.args,
            message_ts=trigger.message_ts,
            thread_ts=trigger.thread_ts,
            key=trigger.key,
            response_url=trigger.response_url,
            trigger_id=trigger.trigger_id,
        )

    async def run(self, invocation: Invocation, incident: Incident, trigger: Trigger) -> None:
        """Run once per delivery; a ✅ on the message means it worked, a private note says why not.

        A repeat delivery of a command that was stored changes nothing and finishes what the first
        left undone: its effects (the post, the headline edit, the ✅) were stored with it and are
        shown by whichever replica holds them, or taken up now if they are waiting.
        """
        ctx = self.context(incident, invocation, trigger)
        command = self.toolkit.registry.commands.get(invocation.name)
        if command is None:
            await ctx.reply(replies.unknown_command(invocation.name, self.toolkit.bot_user_id))
            return
        if command.records_own_key:
            await self._run(command.handler, ctx, invocation, trigger)
            return
        if not await self._deliveries.start(trigger.key):
            await self.toolkit.runner.resume(incident.id)
            return
        # Finished however the handler ended, except by being cut off (a shutdown, a crash): then a
        # redelivery, once the lease runs out, runs it again.
        await self._run(command.handler, ctx, invocation, trigger)
        await self._deliveries.finish(trigger.key)

    async def _run(
        self, handler: Any, ctx: IncidentContext, invocation: Invocation, trigger: Trigger
    ) -> None:
        try:
            await handler(ctx)
        except UserError as error:
            await ctx.reply(f"⚠️ {error.message}")
            return
        await crashpoints.reached("committed:command")
        if ctx.duplicate:
            await self.toolkit.runner.resume(ctx.incident.id)
            return
        if trigger.message_ts:
            if not ctx.confirmed:
                await ctx.react(DONE)
        elif not ctx.answered:
            await ctx.reply(f"✅ Done: `{invocation.name}` for Incident {ctx.incident.id}.")
        await ctx.settle()

    async def outside_incident(self, invocation: Invocation, trigger: Trigger) -> None:
        """A command typed somewhere that is not an incident channel: help, or a pointer to it."""
        ctx_recipient = trigger.recipient
        bot = self.toolkit.bot_user_id
        if invocation.name == "help":
            commands = [(c.names, c.helptext) for c in self.toolkit.registry.unique_commands()]
            text = replies.help_text(commands, bot) + "\n\n" + replies.not_an_incident_channel(bot)
        else:
            text = replies.not_an_incident_channel(bot)
        await self.toolkit.replies.tell(ctx_recipient, text)
