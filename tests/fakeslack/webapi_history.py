"""Reading messages back (history, threads) and looking people up by e-mail."""

from __future__ import annotations

from typing import Any

from tests.fakeslack.model import BOT_USER_ID, Message, SlackError
from tests.fakeslack.state import Workspace
from tests.fakeslack.webapi import Args, _by_kind, _flag, _required, method

HISTORY = _by_kind(("channels:history",), ("groups:history",))


def _between(messages: list[Message], args: Args) -> list[Message]:
    inclusive = _flag(args, "inclusive")
    oldest = float(args["oldest"]) if args.get("oldest") else None
    latest = float(args["latest"]) if args.get("latest") else None

    def keep(message: Message) -> bool:
        ts = float(message.ts)
        if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
            return False
        return not (latest is not None and (ts > latest or (ts == latest and not inclusive)))

    return [m for m in messages if keep(m)]


def _readable(workspace: Workspace, channel_id: str) -> Any:
    channel = workspace.channel(channel_id)
    if BOT_USER_ID not in channel.members:
        raise SlackError("not_in_channel")
    return channel


@method("conversations.history", HISTORY)
async def conversations_history(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "channel")
    channel = _readable(workspace, str(args["channel"]))
    top = [m for m in channel.messages if not m.deleted and (not m.thread_ts or m.thread_ts == m.ts)]
    found = list(reversed(_between(top, args)))[: int(args.get("limit") or 100)]
    return {"ok": True, "messages": [m.to_api() for m in found], "has_more": False}


@method("conversations.replies", HISTORY)
async def conversations_replies(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "channel", "ts")
    channel = _readable(workspace, str(args["channel"]))
    asked = channel.message(str(args["ts"]))
    if asked is None:
        raise SlackError("thread_not_found")
    parent_ts = asked.thread_ts or asked.ts
    parent = channel.message(parent_ts)
    replies = [
        m for m in channel.messages if not m.deleted and m.thread_ts == parent_ts and m.ts != parent_ts
    ]
    found = ([parent] if parent else []) + _between(replies, args)
    return {"ok": True, "messages": [m.to_api() for m in found][: int(args.get("limit") or 1000)]}


@method("users.lookupByEmail", ("users:read.email",))
async def users_lookup_by_email(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "email")
    for user in workspace.users.values():
        if user.email and user.email.lower() == str(args["email"]).lower():
            return {"ok": True, "user": user.to_api()}
    raise SlackError("users_not_found")
