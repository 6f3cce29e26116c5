"""`bookmarks.*`: a channel's links."""

from __future__ import annotations

import time
from typing import Any

from tests.fakeslack.model import SlackError
from tests.fakeslack.state import Workspace
from tests.fakeslack.webapi.arguments import required
from tests.fakeslack.webapi.methods import Args, MethodGroup

METHODS = MethodGroup()


@METHODS.method("bookmarks.add", ("bookmarks:write",))
async def bookmarks_add(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "channel_id", "title", "type")
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


@METHODS.method("bookmarks.list", ("bookmarks:read",))
async def bookmarks_list(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "channel_id")
    channel = workspace.channel(str(args["channel_id"]))
    return {"ok": True, "bookmarks": list(channel.bookmarks)}
