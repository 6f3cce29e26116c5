"""`conversations.*` that find, make and change channels (reading messages back is in `history`)."""

from __future__ import annotations

import time
from typing import Any

from tests.fakeslack.model import BOT_USER_ID, Channel, Message, SlackError
from tests.fakeslack.state import Workspace
from tests.fakeslack.webapi.arguments import CHANNEL_NAME, by_kind, flag, required
from tests.fakeslack.webapi.methods import Args, MethodGroup

METHODS = MethodGroup()
TOPIC_MAX = 250
MANAGE = by_kind(("channels:manage",), ("groups:write",))


@METHODS.method("conversations.info", by_kind(("channels:read",), ("groups:read",)))
async def conversations_info(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "channel")
    return {"ok": True, "channel": workspace.channel(str(args["channel"])).to_api()}


def _list_scopes(workspace: Workspace, args: Args) -> tuple[str, ...]:
    types = str(args.get("types") or "public_channel").split(",")
    needed = []
    if "public_channel" in types:
        needed.append("channels:read")
    if "private_channel" in types:
        needed.append("groups:read")
    missing = [scope for scope in needed if scope not in workspace.scopes]
    return tuple(missing[:1] or needed[:1])


@METHODS.method("conversations.list", _list_scopes)
async def conversations_list(workspace: Workspace, args: Args) -> dict[str, Any]:
    types = str(args.get("types") or "public_channel").split(",")
    limit = int(args.get("limit") or 100)
    if not 1 <= limit <= 1000:
        raise SlackError("invalid_limit")
    visible = [
        c
        for c in workspace.channels.values()
        if not c.is_im
        and (
            ("private_channel" in types and c.is_private and BOT_USER_ID in c.members)
            or ("public_channel" in types and not c.is_private)
        )
        and not (flag(args, "exclude_archived") and c.archived)
    ]
    start = int(args.get("cursor") or 0)
    page = visible[start : start + limit]
    next_cursor = str(start + limit) if start + limit < len(visible) else ""
    return {
        "ok": True,
        "channels": [c.to_api() for c in page],
        "response_metadata": {"next_cursor": next_cursor},
    }


@METHODS.method("conversations.join", ("channels:join",))
async def conversations_join(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "channel")
    channel = workspace.channel(str(args["channel"]))
    if channel.is_private:
        raise SlackError("method_not_supported_for_channel_type")
    if channel.archived:
        raise SlackError("is_archived")
    response: dict[str, Any] = {"ok": True}
    if BOT_USER_ID in channel.members:
        response["warning"] = "already_in_channel"
    channel.members.add(BOT_USER_ID)
    response["channel"] = channel.to_api()
    return response


def _validate_name(workspace: Workspace, name: str) -> None:
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > 80:
        raise SlackError("invalid_name_maxlength")
    if not CHANNEL_NAME.fullmatch(name):
        raise SlackError("invalid_name_specials")
    if not name.strip("-_"):
        raise SlackError("invalid_name_punctuation")
    if workspace.channel_by_name(name) is not None:  # archived channels keep their names too
        raise SlackError("name_taken")


def _system_message(
    workspace: Workspace, channel: Channel, subtype: str, text: str, user: str, **extra: Any
) -> None:
    message = workspace.add_message(
        channel, Message(channel.id, workspace.ids.ts(), text, user=user, subtype=subtype)
    )
    workspace.emit_message(channel, {**message.to_api(), **extra})


@METHODS.method("conversations.create", MANAGE)
async def conversations_create(workspace: Workspace, args: Args) -> dict[str, Any]:
    name = str(args.get("name") or "")
    _validate_name(workspace, name)
    channel = Channel(
        workspace.ids.make("C"),
        name,
        is_private=flag(args, "is_private"),
        creator=BOT_USER_ID,
        created=int(time.time()),
        members={BOT_USER_ID},
    )
    workspace.channels[channel.id] = channel
    if not channel.is_private and workspace.event_visible("channel_created", None):
        workspace.emit(
            {
                "type": "channel_created",
                "channel": {
                    "id": channel.id,
                    "name": name,
                    "created": channel.created,
                    "creator": BOT_USER_ID,
                },
            }
        )
    return {"ok": True, "channel": channel.to_api()}


@METHODS.method("conversations.invite", MANAGE)
async def conversations_invite(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "channel", "users")
    channel = workspace.member_channel(str(args["channel"]))
    wanted = [u for u in str(args["users"]).split(",") if u]
    if len(wanted) > 1000:
        raise SlackError("too_many_users")
    errors, valid = [], []
    for user_id in wanted:
        user = workspace.users.get(user_id)
        code = None
        if user_id == BOT_USER_ID:
            code = "cant_invite_self"
        elif user is None:
            code = "user_not_found"
        elif user.deleted:
            code = "cant_invite"
        elif user_id in channel.members:
            code = "already_in_channel"
        if code:
            errors.append({"user": user_id, "ok": False, "error": code})
        else:
            valid.append(user_id)
    if errors and not flag(args, "force"):
        raise SlackError(errors[0]["error"], errors=errors)
    for user_id in valid:
        channel.members.add(user_id)
        _system_message(
            workspace,
            channel,
            "channel_join",
            f"<@{user_id}> has joined the channel",
            user_id,
            inviter=BOT_USER_ID,
        )
        if workspace.event_visible("member_joined_channel", channel):
            workspace.emit(
                {
                    "type": "member_joined_channel",
                    "user": user_id,
                    "channel": channel.id,
                    "channel_type": "G" if channel.is_private else "C",
                    "inviter": BOT_USER_ID,
                }
            )
    response: dict[str, Any] = {"ok": True, "channel": channel.to_api()}
    if errors:
        response["errors"] = errors
    return response


@METHODS.method("conversations.setTopic", MANAGE)
async def conversations_set_topic(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "channel")
    channel = workspace.member_channel(str(args["channel"]))
    topic = str(args.get("topic") or "")
    if len(topic) > TOPIC_MAX:
        raise SlackError("too_long")
    channel.topic = topic
    _system_message(
        workspace, channel, "channel_topic", f"set the channel topic: {topic}", BOT_USER_ID, topic=topic
    )
    return {"ok": True, "channel": channel.to_api()}


@METHODS.method("conversations.rename", MANAGE)
async def conversations_rename(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "channel", "name")
    channel = workspace.member_channel(str(args["channel"]))
    name = str(args["name"])
    if name == channel.name:
        return {"ok": True, "channel": channel.to_api()}
    _validate_name(workspace, name)
    old = channel.name
    workspace.rename(channel, name)
    _system_message(
        workspace,
        channel,
        "channel_name",
        f"renamed the channel from {old} to {name}",
        BOT_USER_ID,
        old_name=old,
        name=name,
    )
    return {"ok": True, "channel": channel.to_api()}


@METHODS.method("conversations.members", by_kind(("channels:read",), ("groups:read",)))
async def conversations_members(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "channel")
    channel = workspace.channel(str(args["channel"]))
    return {"ok": True, "members": sorted(channel.members), "response_metadata": {"next_cursor": ""}}


@METHODS.method("conversations.open", ("im:write",))
async def conversations_open(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "users")
    users = [u for u in str(args["users"]).split(",") if u]
    if len(users) != 1:
        raise SlackError("not_implemented")  # group DMs are not needed here
    user = workspace.user(users[0])
    if user.deleted:
        raise SlackError("user_disabled")
    channel = workspace.im_with(user.id)
    return {"ok": True, "channel": {"id": channel.id}}
