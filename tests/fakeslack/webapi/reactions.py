"""`reactions.*`: the bot's own reactions."""

from __future__ import annotations

from typing import Any

from tests.fakeslack.model import BOT_USER_ID, SlackError
from tests.fakeslack.state import Workspace
from tests.fakeslack.webapi.arguments import required
from tests.fakeslack.webapi.methods import Args, MethodGroup

METHODS = MethodGroup()


@METHODS.method("reactions.add", ("reactions:write",))
async def reactions_add(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "channel", "name", "timestamp")
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
