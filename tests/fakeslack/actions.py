"""What a person does in Slack, turned into the envelopes Slack would send the app."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.fakeslack.model import (
    APP_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    Channel,
    Ephemeral,
    Message,
    User,
    View,
)
from tests.fakeslack.socket import Delivery

if TYPE_CHECKING:
    from tests.fakeslack.server import FakeSlack


class ClientRefused(AssertionError):
    """The Slack client itself would not let the person do this (e.g. submit a required field empty)."""


@dataclass
class Submission:
    delivery: Delivery
    errors: dict[str, str]
    closed: bool


_TOKEN = re.compile(r"<(?:@|#|!|https?://|mailto:)[^<>]*>")


def escape_typed(text: str) -> str:
    """What Slack does to typed text: `&`, `<`, `>` become entities; mentions and links stay tokens."""
    out, position = [], 0
    for match in _TOKEN.finditer(text):
        out.append(_entities(text[position : match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append(_entities(text[position:]))
    return "".join(out)


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _user(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": TEAM_ID}


def _team() -> dict[str, Any]:
    return {"id": TEAM_ID, "domain": TEAM_DOMAIN}


async def _acked(slack: FakeSlack, delivery: Delivery, timeout: float) -> Delivery:
    await slack.wait_for(lambda: delivery.acked.done(), timeout + 1, f"an ack of {delivery.kind}")
    return delivery


async def slash(
    slack: FakeSlack, user: User, text: str, channel: Channel, command: str = "/incident"
) -> Delivery:
    """Type `/command text` in a channel; returns the delivery once acked (or timed out)."""
    workspace = slack.workspace
    payload = {
        "token": "fake-verification-token",
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel.id,
        "channel_name": channel.name or "directmessage",
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": escape_typed(text),
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": workspace.issue_response_url(slack.base_url, user.id, channel.id),
        "trigger_id": workspace.issue_trigger(user.id),
    }
    delivery = await _acked(slack, await slack.hub.send("slash_commands", payload), slack.hub.ack_timeout)
    ack = delivery.ack_payload or {}
    if ack.get("text") or ack.get("blocks"):
        if ack.get("response_type") == "in_channel":
            workspace.add_message(
                channel, Message(channel.id, workspace.ids.ts(), ack.get("text", ""), user=BOT_USER_ID)
            )
        else:
            workspace.ephemerals.append(
                Ephemeral(channel.id, user.id, ack.get("text", ""), ack.get("blocks") or [], "ack")
            )
    return delivery


async def click(slack: FakeSlack, user: User, message: Message, action_id: str, nth: int = 0) -> Delivery:
    """Click a button (or other element) on a message; it must really be on the message (the
    `nth` of those with this action id, in different blocks)."""
    found = message.button(action_id, nth)
    if found is None:
        raise ClientRefused(f"no element {action_id} on message {message.ts}")
    block, element = found
    workspace = slack.workspace
    channel = workspace.channels[message.channel]
    action = {
        "action_id": action_id,
        "block_id": block.get("block_id", "auto"),
        "type": element["type"],
        "action_ts": f"{time.time():.6f}",
    }
    if element["type"] == "button":
        action["text"] = element["text"]
        if "value" in element:
            action["value"] = element["value"]
    payload = {
        "type": "block_actions",
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": "fake-verification-token",
        "container": {
            "type": "message",
            "message_ts": message.ts,
            "channel_id": channel.id,
            "is_ephemeral": False,
        },
        "trigger_id": workspace.issue_trigger(user.id),
        "team": _team(),
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel.id, "name": channel.name},
        "message": message.to_api(),
        "state": {"values": {}},
        "response_url": workspace.issue_response_url(slack.base_url, user.id, channel.id, message),
        "actions": [action],
    }
    return await _acked(slack, await slack.hub.send("interactive", payload), slack.hub.ack_timeout)


async def click_ephemeral(slack: FakeSlack, user: User, note: Ephemeral, action_id: str) -> Delivery:
    """Click a button on a message only this person sees; Slack sends no `message` for those."""
    from tests.fakeslack.model import find_element

    if note.user != user.id:
        raise ClientRefused("only its recipient sees an ephemeral message")
    found = find_element(note.blocks, action_id)
    if found is None:
        raise ClientRefused(f"no element {action_id} on that ephemeral message")
    block, element = found
    workspace = slack.workspace
    channel = workspace.channels.get(note.channel)
    payload = {
        "type": "block_actions",
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": "fake-verification-token",
        "container": {
            "type": "message",
            "message_ts": workspace.ids.ts(),
            "channel_id": note.channel,
            "is_ephemeral": True,
        },
        "trigger_id": workspace.issue_trigger(user.id),
        "team": _team(),
        "channel": {"id": note.channel, "name": channel.name if channel else ""},
        "state": {"values": {}},
        "response_url": workspace.issue_response_url(slack.base_url, user.id, note.channel, note),
        "actions": [
            {
                "action_id": action_id,
                "block_id": block.get("block_id", "auto"),
                "type": element["type"],
                "value": element.get("value"),
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return await _acked(slack, await slack.hub.send("interactive", payload), slack.hub.ack_timeout)


async def open_home(slack: FakeSlack, user: User) -> Delivery:
    """Open the app's Home tab: Slack sends `app_home_opened` (with the last published view, if any)."""
    workspace = slack.workspace
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user.id,
        "channel": workspace.im_with(user.id).id,
        "tab": "home",
    }
    home = workspace.views.get(workspace.home_views.get(user.id, ""))
    if home is not None:
        event["view"] = home.to_api()
    before = len(slack.hub.deliveries)
    workspace.emit(event)
    await slack.wait_for(lambda: len(slack.hub.deliveries) > before, what="the app_home_opened delivery")
    return await _acked(slack, slack.hub.deliveries[before], slack.hub.ack_timeout)


async def rename_in_slack(slack: FakeSlack, user: User, channel: Channel, name: str) -> None:
    """Someone renames the channel in Slack's own UI."""
    slack.workspace.rename(channel, name)
    slack._notify()


def _state(view: View, entered: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What the client sends: every input's current value (initial unless the person changed it)."""
    values: dict[str, dict[str, Any]] = {}
    unknown = set(entered) - {b.get("block_id") for b in view.blocks if b.get("type") == "input"}
    if unknown:
        raise ClientRefused(f"the modal has no inputs {sorted(unknown)}")
    for block in view.blocks:
        if block.get("type") != "input":
            continue
        block_id, element = block["block_id"], block["element"]
        kind, action_id = element["type"], element["action_id"]
        given = entered.get(block_id, ...)
        if kind == "plain_text_input":
            value = element.get("initial_value") if given is ... else given
            state: dict[str, Any] = {"type": kind, "value": value or None}
            empty = not value
        elif kind == "users_select":
            value = element.get("initial_user") if given is ... else given
            state = {"type": kind, "selected_user": value}
            empty = not value
        elif kind in ("static_select", "radio_buttons"):
            option = element.get("initial_option") if given is ... else _option(element, given)
            state = {"type": kind, "selected_option": option}
            empty = option is None
        elif kind == "multi_static_select" or kind == "checkboxes":
            options = (
                element.get("initial_options") or [] if given is ... else [_option(element, v) for v in given]
            )
            state = {"type": kind, "selected_options": options}
            empty = not options
        else:
            raise ClientRefused(f"fake Slack cannot fill a {kind}")
        if empty and not block.get("optional"):
            raise ClientRefused(f"'{block['label']['text']}' is required")
        values[block_id] = {action_id: state}
    return values


def _option(element: dict[str, Any], value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    grouped = [o for group in element.get("option_groups") or [] for o in group.get("options") or []]
    for option in [*element.get("options", []), *grouped]:
        if option["value"] == str(value):
            return dict(option)
    raise ClientRefused(f"no option {value!r} in {element.get('action_id')}")


async def submit(
    slack: FakeSlack, user: User, view: View, entered: dict[str, Any] | None = None
) -> Submission:
    """Press the modal's submit button with these inputs; applies the app's response_action."""
    workspace = slack.workspace
    if slack.screen(user) is not view:
        raise ClientRefused("that modal is not on top of the user's screen")
    if "submit" not in view.payload:
        raise ClientRefused("that modal has no submit button")
    view.values = _state(view, entered or {})
    payload = {
        "type": "view_submission",
        "team": _team(),
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": "fake-verification-token",
        "trigger_id": workspace.issue_trigger(user.id),
        "view": view.to_api(),
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    delivery = await _acked(slack, await slack.hub.send("interactive", payload), slack.hub.ack_timeout)
    return _apply_view_ack(slack, user, view, delivery)


def _apply_view_ack(slack: FakeSlack, user: User, view: View, delivery: Delivery) -> Submission:
    from tests.fakeslack import blockkit
    from tests.fakeslack.webapi import views

    stack = slack.workspace.stacks.setdefault(user.id, [])
    if delivery.timed_out:
        return Submission(delivery, {"": "We had some trouble connecting. Try again?"}, closed=False)
    ack = delivery.ack_payload or {}
    action = ack.get("response_action")
    if action == "errors":
        errors = dict(ack.get("errors") or {})
        inputs = {b.get("block_id") for b in view.blocks if b.get("type") == "input"}
        bad = set(errors) - inputs
        if bad:
            raise AssertionError(f"Slack rejects errors for non-input blocks {sorted(bad)}")
        view.errors = errors
        return Submission(delivery, errors, closed=False)
    if action == "update":
        problems = blockkit.view_problems(ack.get("view"))
        if problems:
            raise AssertionError(f"Slack rejects the updated view: {problems}")
        view.payload = ack["view"]
        view.errors = {}
        return Submission(delivery, {}, closed=False)
    if action == "push":
        views.open_view(slack.workspace, user.id, ack["view"], previous=view)
        return Submission(delivery, {}, closed=False)
    if action == "clear":
        stack.clear()
    elif view.id in stack:
        stack.remove(view.id)
    return Submission(delivery, {}, closed=True)


async def say(
    slack: FakeSlack,
    user: User,
    channel: Channel,
    text: str,
    thread_ts: str | None = None,
    *,
    raw: bool = False,
) -> Message:
    """Post a message as a person; Slack sends `message` (and `app_mention` when the bot is mentioned)."""
    workspace = slack.workspace
    if user.id not in channel.members:
        raise ClientRefused(f"{user.name} is not in #{channel.name}")
    message = workspace.add_message(
        channel,
        Message(channel.id, workspace.ids.ts(), escape_typed(text), user=user.id, thread_ts=thread_ts),
    )
    event = {**message.to_api(), "client_msg_id": workspace.ids.token(), "user": user.id}
    workspace.emit_message(channel, dict(event))
    if f"<@{BOT_USER_ID}" in text and workspace.event_visible("app_mention", channel):
        workspace.emit({**event, "type": "app_mention", "channel": channel.id})
    slack._notify()
    return message


async def join(slack: FakeSlack, user: User, channel: Channel) -> None:
    """Someone joins a channel themselves (from its link, say)."""
    workspace = slack.workspace
    if channel.is_private:
        raise ClientRefused("private channels need an invitation")
    if user.id in channel.members:
        return
    channel.members.add(user.id)
    message = workspace.add_message(
        channel,
        Message(
            channel.id,
            workspace.ids.ts(),
            f"<@{user.id}> has joined the channel",
            user=user.id,
            subtype="channel_join",
        ),
    )
    workspace.emit_message(channel, message.to_api())
    if workspace.event_visible("member_joined_channel", channel):
        workspace.emit(
            {"type": "member_joined_channel", "user": user.id, "channel": channel.id, "channel_type": "C"}
        )
    slack._notify()


async def click_view(slack: FakeSlack, user: User, view: View, action_id: str) -> Delivery:
    """Click a button in a modal or on the Home tab; Slack sends the view, not a message."""
    from tests.fakeslack.model import find_element

    found = find_element(view.blocks, action_id)
    if found is None:
        raise ClientRefused(f"no element {action_id} in view {view.id}")
    block, element = found
    workspace = slack.workspace
    payload = {
        "type": "block_actions",
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": "fake-verification-token",
        "container": {"type": "view", "view_id": view.id},
        "trigger_id": workspace.issue_trigger(user.id),
        "team": _team(),
        "view": view.to_api(),
        "actions": [
            {
                "action_id": action_id,
                "block_id": block.get("block_id", "auto"),
                "type": element["type"],
                "value": element.get("value"),
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return await _acked(slack, await slack.hub.send("interactive", payload), slack.hub.ack_timeout)


async def post_as_integration(
    slack: FakeSlack, channel: Channel, text: str, username: str = "github"
) -> Message:
    """Another app or webhook posts: a classic `bot_message` with its own bot_id."""
    workspace = slack.workspace
    message = workspace.add_message(
        channel, Message(channel.id, workspace.ids.ts(), text, bot_id="B0OTHERBOT", subtype="bot_message")
    )
    workspace.emit_message(channel, {**message.to_api(), "username": username, "bot_id": "B0OTHERBOT"})
    slack._notify()
    return message
