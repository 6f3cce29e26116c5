"""What people do to messages: pin, react, edit, delete, and message shortcuts."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from tests.fakeslack.actions import ClientRefused, _acked, _team, _user
from tests.fakeslack.model import APP_ID, Message, User
from tests.fakeslack.socket import Delivery

if TYPE_CHECKING:
    from tests.fakeslack.server import FakeSlack


def _item(message: Message) -> dict[str, Any]:
    return {"type": "message", "channel": message.channel, "ts": message.ts}


def _visible(slack: FakeSlack, user: User, message: Message) -> Any:
    channel = slack.workspace.channels[message.channel]
    if user.id not in channel.members:
        raise ClientRefused(f"{user.name} is not in #{channel.name}")
    return channel


async def pin(slack: FakeSlack, user: User, message: Message) -> None:
    workspace = slack.workspace
    channel = _visible(slack, user, message)
    if message.pinned:
        raise ClientRefused("already pinned")
    message.pinned = True
    payload = {**message.to_api(), "permalink": workspace.permalink(message)}
    if workspace.event_visible("pin_added", channel):
        workspace.emit(
            {
                "type": "pin_added",
                "user": user.id,
                "channel_id": channel.id,
                "item": {
                    **_item(message),
                    "created": int(time.time()),
                    "created_by": user.id,
                    "message": payload,
                },
            }
        )
    slack._notify()


async def unpin(slack: FakeSlack, user: User, message: Message) -> None:
    workspace = slack.workspace
    channel = _visible(slack, user, message)
    if not message.pinned:
        raise ClientRefused("not pinned")
    message.pinned = False
    if workspace.event_visible("pin_removed", channel):
        workspace.emit(
            {
                "type": "pin_removed",
                "user": user.id,
                "channel_id": channel.id,
                "has_pins": False,
                "item": {**_item(message), "message": message.to_api()},
            }
        )
    slack._notify()


async def react(slack: FakeSlack, user: User, message: Message, name: str) -> None:
    workspace = slack.workspace
    channel = _visible(slack, user, message)
    users = message.reactions.setdefault(name, [])
    if user.id in users:
        raise ClientRefused("already reacted")
    users.append(user.id)
    if workspace.event_visible("reaction_added", channel):
        workspace.emit(
            {
                "type": "reaction_added",
                "user": user.id,
                "reaction": name,
                "item_user": message.user,
                "item": _item(message),
            }
        )
    slack._notify()


async def unreact(slack: FakeSlack, user: User, message: Message, name: str) -> None:
    workspace = slack.workspace
    channel = _visible(slack, user, message)
    users = message.reactions.get(name, [])
    if user.id not in users:
        raise ClientRefused("no such reaction")
    users.remove(user.id)
    if not users:
        message.reactions.pop(name)
    if workspace.event_visible("reaction_removed", channel):
        workspace.emit(
            {
                "type": "reaction_removed",
                "user": user.id,
                "reaction": name,
                "item_user": message.user,
                "item": _item(message),
            }
        )
    slack._notify()


async def edit(slack: FakeSlack, user: User, message: Message, text: str) -> None:
    workspace = slack.workspace
    channel = _visible(slack, user, message)
    if message.user != user.id:
        raise ClientRefused("people can only edit their own messages")
    previous = message.to_api()
    message.text = text
    message.edited = {"user": user.id, "ts": workspace.ids.ts()}
    workspace.emit_edited(channel, message, previous)
    slack._notify()


async def delete(slack: FakeSlack, user: User, message: Message) -> None:
    workspace = slack.workspace
    channel = _visible(slack, user, message)
    previous = message.to_api()
    message.deleted = True
    workspace.emit_message(
        channel,
        {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "deleted_ts": message.ts,
            "previous_message": previous,
            "ts": workspace.ids.ts(),
        },
    )
    slack._notify()


async def message_shortcut(slack: FakeSlack, user: User, message: Message, callback_id: str) -> Delivery:
    """Use a message shortcut from a message's menu (it must be in the manifest)."""
    import json

    from tests.fakeslack.state import MANIFEST

    declared = {s["callback_id"] for s in json.loads(MANIFEST.read_text())["features"].get("shortcuts", [])}
    if callback_id not in declared:
        raise ClientRefused(f"the app has no shortcut {callback_id}")
    workspace = slack.workspace
    channel = _visible(slack, user, message)
    payload = {
        "type": "message_action",
        "token": "fake-verification-token",
        "action_ts": f"{time.time():.6f}",
        "team": _team(),
        "user": _user(user),
        "api_app_id": APP_ID,
        "channel": {"id": channel.id, "name": channel.name},
        "callback_id": callback_id,
        "trigger_id": workspace.issue_trigger(user.id),
        "message_ts": message.ts,
        "message": message.to_api(),
        "response_url": workspace.issue_response_url(slack.base_url, user.id, channel.id),
    }
    return await _acked(slack, await slack.hub.send("interactive", payload), slack.hub.ack_timeout)
