"""The headline post's buttons: Edit (a pre-filled modal) and Close (after confirming)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from response_bot.db.errors import StorageError
from response_bot.effects.runner import EffectRunner
from response_bot.extensions.replies import Recipient
from response_bot.incidents.errors import IncidentClosed
from response_bot.incidents.service import IncidentService
from response_bot.slack.blocks import form
from response_bot.slack.blocks import headline as blocks
from response_bot.slack.ids import Action, Callback
from response_bot.slack.metadata import IncidentRef
from response_bot.slack.transport.background import Background, after_ack
from response_bot.slack.transport.errors import describe
from response_bot.slack.transport.events import Events
from response_bot.slack.transport.recipients import Replies, recipient_of
from response_bot.slack.workspace.people import with_lead_profile
from response_bot.users.models import UserRef
from response_bot.users.service import UserService


def register(app: AsyncApp, events: Events) -> None:
    app.action(Action.EDIT)(open_edit_modal)
    app.action(Action.CLOSE)(open_close_confirmation)
    app.action(Action.CREATE_CHANNEL)(create_channel)
    app.view_submission(Callback.EDIT)(submit_edit)
    app.view_submission(Callback.CLOSE)(submit_close)


def _clicked(body: dict[str, Any], action: dict[str, Any]) -> IncidentRef:
    ref = IncidentRef.decode(action.get("value"))
    channel = (body.get("container") or {}).get("channel_id")
    return ref.model_copy(update={"channel_id": channel})


@after_ack
async def open_edit_modal(
    body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, incidents: IncidentService
) -> None:
    ref = _clicked(body, action)
    incident = await incidents.get(ref.incident_id)
    if incident.is_open:
        view = blocks.edit(incident, metadata=ref.encode())
    else:
        view = blocks.notice("Incident closed", IncidentClosed(incident.id).message)
    await client.views_open(trigger_id=body["trigger_id"], view=view)


@after_ack
async def create_channel(
    body: dict[str, Any], action: dict[str, Any], incidents: IncidentService, replies: Replies
) -> None:
    ref = _clicked(body, action)
    queued = await incidents.request_channel(ref.incident_id, key=f"act:{action.get('action_ts')}")
    if queued is None:
        await replies.tell(
            recipient_of(body), f"Incident {ref.incident_id} already has a channel (or one is being made)."
        )


@after_ack
async def open_close_confirmation(
    body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
) -> None:
    ref = _clicked(body, action)
    view = blocks.confirm_close(ref.incident_id, metadata=ref.encode())
    await client.views_open(trigger_id=body["trigger_id"], view=view)


async def submit_edit(
    ack: AsyncAck,
    view: dict[str, Any],
    incidents: IncidentService,
    users: UserService,
    body: dict[str, Any],
) -> None:
    ref = IncidentRef.decode(view.get("private_metadata"))
    fields = await with_lead_profile(form.incident_fields(view), users)  # refusals: `form_errors`
    await incidents.edit(ref.incident_id, fields, actor=UserRef(body["user"]["id"]), key=f"view:{view['id']}")
    await ack()  # the headline and topic are effects of the change, shown by themselves


async def submit_close(
    ack: AsyncAck,
    view: dict[str, Any],
    body: dict[str, Any],
    incidents: IncidentService,
    runner: EffectRunner,
    replies: Replies,
    background: Background,
) -> None:
    ref = IncidentRef.decode(view.get("private_metadata"))
    try:
        change = await incidents.close(
            ref.incident_id, actor=UserRef(body["user"]["id"]), key=f"view:{view['id']}"
        )
    except StorageError as error:
        # The confirmation has no input to hang an error on, so it is redrawn with the problem.
        problem, _ = describe(error)
        view_again = blocks.confirm_close(ref.incident_id, metadata=ref.encode(), problem=problem)
        await ack(response_action="update", view=view_again)
        return
    await ack()
    recipient = Recipient(body["user"]["id"], ref.channel_id)
    if change.duplicate:
        background.spawn(runner.resume(ref.incident_id), None)
    elif not change.any:
        background.spawn(
            replies.tell(recipient, f"Incident {ref.incident_id} was already closed."), recipient
        )
