"""Web API methods that make and change conversations, plus reactions and bookmarks."""

from __future__ import annotations

import time
from typing import Any

from tests.fakeslack.model import BOT_USER_ID, Channel, Message, SlackError
from tests.fakeslack.state import Workspace
from tests.fakeslack.webapi import CHANNEL_NAME, Args, _by_kind, _flag, _required, method

TOPIC_MAX = 250
MANAGE = _by_kind(("channels:manage",), ("groups:write",))


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


@method("conversations.create", MANAGE)
async def conversations_create(workspace: Workspace, args: Args) -> dict[str, Any]:
    name = str(args.get("name") or "")
    _validate_name(workspace, name)
    channel = Channel(
        workspace.ids.make("C"),
        name,
        is_private=_flag(args, "is_private"),
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


@method("conversations.invite", MANAGE)
async def conversations_invite(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "channel", "users")
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
    if errors and not _flag(args, "force"):
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


@method("conversations.setTopic", MANAGE)
async def conversations_set_topic(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "channel")
    channel = workspace.member_channel(str(args["channel"]))
    topic = str(args.get("topic") or "")
    if len(topic) > TOPIC_MAX:
        raise SlackError("too_long")
    channel.topic = topic
    _system_message(
        workspace, channel, "channel_topic", f"set the channel topic: {topic}", BOT_USER_ID, topic=topic
    )
    return {"ok": True, "channel": channel.to_api()}


@method("conversations.rename", MANAGE)
async def conversations_rename(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "channel", "name")
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


@method("conversations.members", _by_kind(("channels:read",), ("groups:read",)))
async def conversations_members(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "channel")
    channel = workspace.channel(str(args["channel"]))
    return {"ok": True, "members": sorted(channel.members), "response_metadata": {"next_cursor": ""}}


@method("bookmarks.add", ("bookmarks:write",))
async def bookmarks_add(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "channel_id", "title", "type")
    channel = workspace.member_channel(str(args["channel_id"]))
    if args["type"] != "link":
        raise SlackError("invalid_bookmark_type")
    link = str(args.get("link") or "")
    if not link.startswith(("http://", "https://")):
        raise SlackError("invalid_link")
    if len(channel.bookmarks) >= 100:
        raise SlackError("too_many_bookmarks")
    bookmark = {
        "id": workspace.ids.make("Bk"),
        "channel_id": channel.id,
        "title": args["title"],
        "link": link,
        "emoji": args.get("emoji", ""),
        "type": "link",
        "date_created": int(time.time()),
    }
    channel.bookmarks.append(bookmark)
    return {"ok": True, "bookmark": bookmark}


@method("bookmarks.list", ("bookmarks:read",))
async def bookmarks_list(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "channel_id")
    channel = workspace.channel(str(args["channel_id"]))
    return {"ok": True, "bookmarks": list(channel.bookmarks)}


@method("reactions.add", ("reactions:write",))
async def reactions_add(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "channel", "name", "timestamp")
    channel = workspace.channel(str(args["channel"]))
    if channel.archived:
        raise SlackError("is_archived")
    message = channel.message(str(args["timestamp"]))
    if message is None:
        raise SlackError("message_not_found")
    name = str(args["name"]).strip(":")
    users = message.reactions.setdefault(name, [])
    if BOT_USER_ID in users:
        raise SlackError("already_reacted")
    users.append(BOT_USER_ID)
    if workspace.event_visible("reaction_added", channel):
        workspace.emit(
            {
                "type": "reaction_added",
                "user": BOT_USER_ID,
                "reaction": name,
                "item_user": message.user,
                "item": {"type": "message", "channel": channel.id, "ts": message.ts},
            }
        )
    return {"ok": True}
