"""Reading messages back: a channel's history and a thread's replies, with their metadata when asked."""

from __future__ import annotations

from typing import Any

from tests.fakeslack.model import BOT_USER_ID, Message, SlackError
from tests.fakeslack.state import Workspace
from tests.fakeslack.webapi.arguments import by_kind, flag, required
from tests.fakeslack.webapi.methods import Args, MethodGroup

METHODS = MethodGroup()


def HISTORY(workspace: Workspace, args: Args) -> tuple[str, ...]:
    channel = workspace.channels.get(str(args.get("channel") or ""))
    if channel is not None and channel.is_im:
        return ("im:history",)
    return by_kind(("channels:history",), ("groups:history",))(workspace, args)


def _between(messages: list[Message], args: Args) -> list[Message]:
    inclusive = flag(args, "inclusive")
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


@METHODS.method("conversations.history", HISTORY)
async def conversations_history(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "channel")
    channel = _readable(workspace, str(args["channel"]))
    top = [m for m in channel.messages if not m.deleted and (not m.thread_ts or m.thread_ts == m.ts)]
    found = list(reversed(_between(top, args)))[: int(args.get("limit") or 100)]
    with_metadata = flag(args, "include_all_metadata")
    return {"ok": True, "messages": [_shown(m, with_metadata) for m in found], "has_more": False}


def _shown(message: Message, with_metadata: bool) -> dict[str, Any]:
    data = message.to_api()
    if with_metadata and message.metadata:
        data["metadata"] = message.metadata
    return data


@METHODS.method("conversations.replies", HISTORY)
async def conversations_replies(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "channel", "ts")
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
    with_metadata = flag(args, "include_all_metadata")
    shown = [_shown(m, with_metadata) for m in found]
    return {"ok": True, "messages": shown[: int(args.get("limit") or 1000)]}
