"""`/incident [text]`: a command in an incident channel, or else the declare modal; and its submission."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from response_bot import crashpoints
from response_bot.db.errors import StorageError
from response_bot.effects.runner import EffectRunner
from response_bot.extensions.replies import Recipient
from response_bot.incidents.models import Incident
from response_bot.incidents.service import IncidentService
from response_bot.slack.blocks import declaring as blocks
from response_bot.slack.blocks import form
from response_bot.slack.blocks.text import readable
from response_bot.slack.commands.runner import CommandRunner, Trigger, split
from response_bot.slack.declaring.confirmations import Confirmations
from response_bot.slack.ids import SLASH_COMMAND, Action, Callback
from response_bot.slack.metadata import DeclareContext
from response_bot.slack.transport.background import Background, after_ack
from response_bot.slack.transport.errors import DATABASE_DOWN
from response_bot.slack.transport.events import Events
from response_bot.slack.transport.recipients import recipient_of
from response_bot.slack.workspace.people import with_lead_profile
from response_bot.users.models import UserRef
from response_bot.users.service import UserService

LOOKUP_TIMEOUT = 1.0


def register(app: AsyncApp, events: Events) -> None:
    app.command(SLASH_COMMAND)(incident_slash_command)
    app.view_submission(Callback.DECLARE)(submit_declaration)
    app.action(Action.DECLARE_FROM_HOME)(declare_from_home)


async def _incident_here(incidents: IncidentService, channel_id: str) -> Incident | bool | None:
    """The channel's incident, None if it has none, False if the database didn't answer in time."""
    try:
        return await asyncio.wait_for(incidents.by_channel(channel_id), LOOKUP_TIMEOUT)
    except (StorageError, TimeoutError):
        return False


async def incident_slash_command(
    ack: AsyncAck,
    command: dict[str, Any],
    client: AsyncWebClient,
    incidents: IncidentService,
    commands: CommandRunner,
    background: Background,
) -> None:
    invocation = split(command.get("text", ""))
    recipient = recipient_of(command)
    if command.get("text", "").strip() and commands.knows(invocation.name):
        incident = await _incident_here(incidents, command["channel_id"])
        trigger = Trigger(
            command["user_id"],
            command["channel_id"],
            f"slash:{command['trigger_id']}",
            response_url=command.get("response_url"),
            trigger_id=command.get("trigger_id"),
        )
        if isinstance(incident, Incident):
            await background.within(commands.run(invocation, incident, trigger), recipient)
            await ack()
            return
        if incident is False and not invocation.args:
            await ack(DATABASE_DOWN)
            return
        if incident is None and (not invocation.args or invocation.name == "help"):
            await ack()
            background.spawn(commands.outside_incident(invocation, trigger), recipient)
            return
    # Anything else declares. The modal opens before any database work: trigger_id lives three seconds.
    await ack()
    context = DeclareContext(channel_id=command.get("channel_id"), response_url=command.get("response_url"))
    drill = invocation.name == "drill"  # `/incident drill <title>`: the form starts as a drill
    title = readable(invocation.args if drill else command.get("text", ""))
    view = blocks.declare(title=title, metadata=context.encode(), drill=drill)
    background.spawn(client.views_open(trigger_id=command["trigger_id"], view=view), recipient)


@after_ack
async def declare_from_home(body: dict[str, Any], client: AsyncWebClient) -> None:
    view = blocks.declare(title="", metadata=DeclareContext().encode())
    await client.views_open(trigger_id=body["trigger_id"], view=view)


async def submit_declaration(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    incidents: IncidentService,
    users: UserService,
    confirmations: Confirmations,
    runner: EffectRunner,
    background: Background,
) -> None:
    context = DeclareContext.decode(view.get("private_metadata"))
    user = body["user"]
    reporter = UserRef(user["id"], name=user.get("username") or user.get("name"))
    # A form that can't be stored (bad input, a bot as lead, the database down) is answered inside
    # the form by the one error handler (`slack.errors.form_errors`).
    fields = await with_lead_profile(form.incident_fields(view), users)
    declaration = await incidents.declare(fields, reporter, declare_key=f"view:{view['id']}")
    await crashpoints.reached("committed:declare")
    # Stored, with everything Slack must show of it, before the ack: once the modal closes, the
    # incident exists and will be announced whatever happens to this replica.
    await ack()
    if declaration.created:
        recipient = Recipient(user["id"], context.channel_id, context.response_url)
        background.spawn(confirmations.declared(declaration, recipient), recipient)
    else:
        background.spawn(runner.resume(declaration.incident.id), None)
