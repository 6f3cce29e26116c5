"""The Web API methods the bot calls, with Slack's arguments, scopes and error codes."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from tests.fakeslack import blockkit
from tests.fakeslack.model import (
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    WORKSPACE_URL,
    Channel,
    Ephemeral,
    Message,
    SlackError,
    View,
)
from tests.fakeslack.state import Workspace

Args = dict[str, Any]
Handler = Callable[[Workspace, Args], Awaitable[dict[str, Any]]]

CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")
TEXT_MAX = 40000


class Method:
    def __init__(
        self, handler: Handler, scopes: Callable[[Workspace, Args], tuple[str, ...]], token: str
    ) -> None:
        self.handler = handler
        self.scopes = scopes
        self.token = token


METHODS: dict[str, Method] = {}


def method(
    name: str, scopes: tuple[str, ...] | Callable[[Workspace, Args], tuple[str, ...]] = (), token: str = "bot"
) -> Callable[[Handler], Handler]:
    """Register a method; `scopes` lists alternatives, any one of which is enough."""

    def register(handler: Handler) -> Handler:
        needed = scopes if callable(scopes) else (lambda _w, _a, s=scopes: s)
        METHODS[name] = Method(handler, needed, token)
        return handler

    return register


def _required(args: Args, *names: str) -> None:
    for name in names:
        if args.get(name) in (None, ""):
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
            )


def _flag(args: Args, name: str) -> bool:
    return str(args.get(name, "")).lower() in ("1", "true")


def _by_kind(
    public: tuple[str, ...], private: tuple[str, ...]
) -> Callable[[Workspace, Args], tuple[str, ...]]:
    def scopes(workspace: Workspace, args: Args) -> tuple[str, ...]:
        channel = workspace.channels.get(str(args.get("channel") or args.get("channel_id") or ""))
        if args.get("is_private") is not None:
            return private if _flag(args, "is_private") else public
        return private if channel is not None and channel.is_private else public

    return scopes


# --- identity -----------------------------------------------------------------------------


@method("auth.test")
async def auth_test(workspace: Workspace, args: Args) -> dict[str, Any]:
    return {
        "ok": True,
        "url": WORKSPACE_URL,
        "team": "Fake Workspace",
        "user": "response",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


# --- messages -----------------------------------------------------------------------------


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


@method("chat.postMessage", ("chat:write",))
async def chat_post_message(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "channel")
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


@method("chat.update", ("chat:write",))
async def chat_update(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "channel", "ts")
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


@method("chat.postEphemeral", ("chat:write",))
async def chat_post_ephemeral(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "channel", "user")
    channel = _writable(workspace, str(args["channel"]))
    user = workspace.user(str(args["user"]))
    if user.id not in channel.members:
        raise SlackError("user_not_in_channel")
    text, blocks = _content(args)
    workspace.ephemerals.append(Ephemeral(channel.id, user.id, text, blocks, via="api"))
    return {"ok": True, "message_ts": workspace.ids.ts()}


@method("chat.getPermalink")
async def chat_get_permalink(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "channel", "message_ts")
    channel = workspace.channel(str(args["channel"]))
    message = channel.message(str(args["message_ts"]))
    if message is None:
        raise SlackError("message_not_found")
    link = f"{WORKSPACE_URL}archives/{channel.id}/p{message.ts.replace('.', '')}"
    return {"ok": True, "channel": channel.id, "permalink": link}


# --- views --------------------------------------------------------------------------------


def _check_view(view: Any) -> dict[str, Any]:
    if not isinstance(view, dict):
        raise SlackError(
            "invalid_arguments", response_metadata={"messages": ["[ERROR] view must be an object"]}
        )
    problems = blockkit.view_problems(view)
    if problems:
        raise SlackError("invalid_arguments", response_metadata={"messages": problems})
    return view


def open_view(workspace: Workspace, user_id: str, payload: dict[str, Any], *, previous: View | None) -> View:
    view_id = workspace.ids.make("V")
    view = View(
        view_id,
        user_id,
        payload,
        hash=f"{time.time():.6f}.{workspace.ids.token()[:8]}",
        root_view_id=previous.root_view_id if previous else view_id,
        previous_view_id=previous.id if previous else None,
    )
    workspace.views[view_id] = view
    workspace.stacks.setdefault(user_id, []).append(view_id)
    return view


@method("views.open")
async def views_open(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "trigger_id", "view")
    payload = _check_view(args["view"])
    trigger = workspace.use_trigger(str(args["trigger_id"]))
    if payload.get("type") != "modal":
        raise SlackError("invalid_arguments")
    workspace.stacks[trigger.user_id] = []  # a new modal replaces whatever the user had open
    view = open_view(workspace, trigger.user_id, payload, previous=None)
    return {"ok": True, "view": view.to_api()}


@method("views.push")
async def views_push(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "trigger_id", "view")
    payload = _check_view(args["view"])
    trigger = workspace.use_trigger(str(args["trigger_id"]))
    stack = workspace.stacks.get(trigger.user_id) or []
    if not stack:
        raise SlackError("not_found")
    if len(stack) >= 3:
        raise SlackError("push_limit_reached")
    view = open_view(workspace, trigger.user_id, payload, previous=workspace.views[stack[-1]])
    return {"ok": True, "view": view.to_api()}


@method("views.update")
async def views_update(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "view")
    payload = _check_view(args["view"])
    view = workspace.views.get(str(args.get("view_id") or ""))
    if view is None:
        raise SlackError("not_found")
    if args.get("hash") and args["hash"] != view.hash:
        raise SlackError("hash_conflict")
    view.payload = payload
    view.hash = f"{time.time():.6f}.{workspace.ids.token()[:8]}"
    return {"ok": True, "view": view.to_api()}


@method("views.publish")
async def views_publish(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "user_id", "view")
    payload = _check_view(args["view"])
    if payload.get("type") != "home":
        raise SlackError("invalid_arguments")
    user = workspace.user(str(args["user_id"]))
    existing = workspace.views.get(workspace.home_views.get(user.id, ""))
    if existing is not None and args.get("hash") and args["hash"] != existing.hash:
        raise SlackError("hash_conflict")
    view = View(
        existing.id if existing else workspace.ids.make("V"),
        user.id,
        payload,
        hash=f"{time.time():.6f}.{workspace.ids.token()[:8]}",
        root_view_id=existing.id if existing else "",
    )
    view.root_view_id = view.root_view_id or view.id
    workspace.views[view.id] = view
    workspace.home_views[user.id] = view.id
    return {"ok": True, "view": view.to_api()}


# --- conversations --------------------------------------------------------------------------


@method("conversations.info", _by_kind(("channels:read",), ("groups:read",)))
async def conversations_info(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "channel")
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


@method("conversations.list", _list_scopes)
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
        and not (_flag(args, "exclude_archived") and c.archived)
    ]
    start = int(args.get("cursor") or 0)
    page = visible[start : start + limit]
    next_cursor = str(start + limit) if start + limit < len(visible) else ""
    return {
        "ok": True,
        "channels": [c.to_api() for c in page],
        "response_metadata": {"next_cursor": next_cursor},
    }


@method("conversations.join", ("channels:join",))
async def conversations_join(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "channel")
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


@method("users.info", ("users:read",))
async def users_info(workspace: Workspace, args: Args) -> dict[str, Any]:
    _required(args, "user")
    return {"ok": True, "user": workspace.user(str(args["user"])).to_api()}


__all__ = ["CHANNEL_NAME", "METHODS", "TEAM_DOMAIN"]
