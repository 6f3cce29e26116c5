"""Declaring: `/incident [title]` opens the modal; submitting it stores and announces the incident."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from response_bot.errors import StorageUnavailable
from response_bot.incidents.errors import InvalidInput
from response_bot.incidents.service import IncidentService
from response_bot.slack import forms
from response_bot.slack.announcer import Announcer
from response_bot.slack.background import Background
from response_bot.slack.blocks import modals
from response_bot.slack.ids import SLASH_COMMAND, Block, Callback
from response_bot.slack.metadata import DeclareContext
from response_bot.slack.recipients import Recipient
from response_bot.users.models import UserRef


def register(app: AsyncApp) -> None:
    app.command(SLASH_COMMAND)(open_declare_modal)
    app.view_submission(Callback.DECLARE)(submit_declaration)


async def open_declare_modal(
    ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, background: Background
) -> None:
    await ack()
    context = DeclareContext(channel_id=command.get("channel_id"), response_url=command.get("response_url"))
    view = modals.declare(title=command.get("text", ""), metadata=context.encode())
    # The modal opens before any database work: trigger_id lives three seconds.
    background.spawn(
        client.views_open(trigger_id=command["trigger_id"], view=view), Recipient.from_body(command)
    )


async def submit_declaration(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    incidents: IncidentService,
    announcer: Announcer,
    background: Background,
) -> None:
    context = DeclareContext.decode(view.get("private_metadata"))
    user = body["user"]
    reporter = UserRef(user["id"], name=user.get("username") or user.get("name"))
    try:
        declaration = await incidents.declare(
            forms.incident_fields(view), reporter, declare_key=f"view:{view['id']}"
        )
    except InvalidInput as error:
        await ack(response_action="errors", errors=forms.field_errors(error))
        return
    except StorageUnavailable as error:
        await ack(response_action="errors", errors={Block.TITLE: error.message})
        return
    # Stored before the ack: once the modal closes, the incident exists.
    await ack()
    if declaration.created:
        recipient = Recipient(user["id"], context.channel_id, context.response_url)
        background.spawn(announcer.declared(declaration.incident, recipient), recipient)
