"""`chat.*`: posting, updating and linking to messages, with Slack's limits on text and blocks."""

from __future__ import annotations

from typing import Any

from tests.fakeslack import blockkit
from tests.fakeslack.model import BOT_ID, BOT_USER_ID, WORKSPACE_URL, Channel, Ephemeral, Message, SlackError
from tests.fakeslack.state import Workspace
from tests.fakeslack.webapi.arguments import TEXT_MAX, required
from tests.fakeslack.webapi.methods import Args, MethodGroup

METHODS = MethodGroup()


def _writable(workspace: Workspace, channel_id: str) -> Channel:
    if channel_id.startswith(("U", "W")):
        workspace.user(channel_id)
        return workspace.im_with(channel_id)
    return workspace.member_channel(channel_id)


def _content(args: Args) -> tuple[str, list[dict[str, Any]]]:
    text = args.get("text") or ""
    blocks = args.get("blocks") or []
    if not text and not blocks:
        raise SlackError("no_text")
    if len(text) > TEXT_MAX:
        raise SlackError("msg_too_long")
    if blocks:
        problems = blockkit.message_problems(blocks)
        if problems:
            raise SlackError("invalid_blocks", response_metadata={"messages": problems})
    return text, blocks


@METHODS.method("chat.postMessage", ("chat:write",))
async def chat_post_message(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "channel")
    channel = _writable(workspace, str(args["channel"]))
    text, blocks = _content(args)
    thread_ts = args.get("thread_ts")
    if thread_ts and channel.message(str(thread_ts)) is None:
        raise SlackError("thread_not_found")
    message = workspace.add_message(
        channel,
        Message(
            channel.id,
            workspace.ids.ts(),
            text,
            user=BOT_USER_ID,
            blocks=blocks,
            bot_id=BOT_ID,
            thread_ts=str(thread_ts) if thread_ts else None,
            metadata=args.get("metadata"),
        ),
    )
    workspace.emit_message(channel, workspace.bot_message_event(message))
    return {"ok": True, "channel": channel.id, "ts": message.ts, "message": message.to_api()}


@METHODS.method("chat.update", ("chat:write",))
async def chat_update(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "channel", "ts")
    channel = workspace.channel(str(args["channel"]))
    message = channel.message(str(args["ts"]))
    if message is None:
        raise SlackError("message_not_found")
    if message.bot_id != BOT_ID:
        raise SlackError("cant_update_message")
    text, blocks = _content(args)
    previous = message.to_api()
    message.text = text
    message.blocks = blocks
    if args.get("metadata") is not None:
        message.metadata = args["metadata"]
    message.edited = {"user": BOT_USER_ID, "ts": workspace.ids.ts()}
    workspace.emit_edited(channel, message, previous)
    return {"ok": True, "channel": channel.id, "ts": message.ts, "text": text, "message": message.to_api()}


@METHODS.method("chat.postEphemeral", ("chat:write",))
async def chat_post_ephemeral(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "channel", "user")
    channel = _writable(workspace, str(args["channel"]))
    user = workspace.user(str(args["user"]))
    if user.id not in channel.members:
        raise SlackError("user_not_in_channel")
    text, blocks = _content(args)
    workspace.ephemerals.append(Ephemeral(channel.id, user.id, text, blocks, via="api"))
    return {"ok": True, "message_ts": workspace.ids.ts()}


@METHODS.method("chat.getPermalink")
async def chat_get_permalink(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "channel", "message_ts")
    channel = workspace.channel(str(args["channel"]))
    message = channel.message(str(args["message_ts"]))
    if message is None:
        raise SlackError("message_not_found")
    link = f"{WORKSPACE_URL}archives/{channel.id}/p{message.ts.replace('.', '')}"
    return {"ok": True, "channel": channel.id, "permalink": link}
