"""The summary and impact prompts: Change (a modal), and Yes/No on a proposed replacement."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from response_bot.incidents.proposals import Proposals
from response_bot.incidents.service import IncidentService
from response_bot.slack.blocks import commands as command_blocks
from response_bot.slack.blocks import form
from response_bot.slack.ids import Action, BlockId, Callback
from response_bot.slack.metadata import ProposalRef, TextRef
from response_bot.slack.transport.background import after_ack
from response_bot.slack.transport.events import Events
from response_bot.slack.transport.recipients import Replies
from response_bot.users.models import UserRef


def register(app: AsyncApp, events: Events) -> None:
    app.action(Action.CHANGE_TEXT)(open_change_modal)
    app.view_submission(Callback.CHANGE_TEXT)(submit_change)
    app.action(Action.ACCEPT_PROPOSAL)(accept_proposal)
    app.action(Action.DECLINE_PROPOSAL)(decline_proposal)


@after_ack
async def open_change_modal(
    body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, incidents: IncidentService
) -> None:
    ref = TextRef.decode(action.get("value"))
    incident = await incidents.get(ref.incident_id)
    current = getattr(incident, ref.field)
    view = command_blocks.change_text(incident.id, ref.field, current, metadata=ref.encode())
    await client.views_open(trigger_id=body["trigger_id"], view=view)


async def submit_change(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    incidents: IncidentService,
) -> None:
    ref = TextRef.decode(view.get("private_metadata"))
    user_id = body["user"]["id"]
    text = form.text_value(view, BlockId.TEXT) or ""
    await incidents.set_text(  # refusals are answered in the form by `form_errors`
        ref.incident_id, ref.field, text, actor=UserRef(user_id), key=f"view:{view['id']}", announce=True
    )
    await ack()  # the headline and the note in the channel are effects of the change


@after_ack
async def accept_proposal(
    body: dict[str, Any], action: dict[str, Any], incidents: IncidentService, replies: Replies
) -> None:
    ref = ProposalRef.decode(action.get("value"))
    change = await incidents.accept_proposal(
        ref.proposal_id, actor=UserRef(body["user"]["id"]), key=f"act:{action.get('action_ts')}"
    )
    response_url = body.get("response_url")
    if not response_url:
        return
    if change is None:
        await replies.replace(response_url, "That proposal was already answered.")
    elif change.changed:
        field = "summary" if "summary" in change.changed else "impact"
        await replies.replace(
            response_url, command_blocks.text_updated(field, getattr(change.incident, field))
        )
    else:
        await replies.replace(response_url, "That is already what it says.")


@after_ack
async def decline_proposal(
    body: dict[str, Any], action: dict[str, Any], proposals: Proposals, replies: Replies
) -> None:
    ref = ProposalRef.decode(action.get("value"))
    proposal = await proposals.take(ref.proposal_id)
    response_url = body.get("response_url")
    if response_url:
        kept = f"Kept the current {proposal.field}." if proposal else "That proposal was already answered."
        await replies.replace(response_url, kept)
