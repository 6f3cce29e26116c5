"""Events: messages (keywords, edits), pins and reactions (the timeline), channel renames, App Home,
and plugins' event types.

Bolt runs only the first listener that matches, so each event type has exactly one listener here,
which runs the built-in behaviour and then the plugins' handlers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from response_bot.extensions.registry import Registry
from response_bot.incidents.channels import IncidentChannels
from response_bot.slack.background import Background
from response_bot.slack.capture import TimelineCapture
from response_bot.slack.commands import addressed_to
from response_bot.slack.extension_runner import ExtensionRunner
from response_bot.slack.home import HomeTab

HUMAN_MESSAGES = (None, "thread_broadcast", "file_share")
Builtin = Callable[..., Awaitable[None]]


async def on_message(event: dict[str, Any], context: AsyncBoltContext) -> None:
    extensions: ExtensionRunner = context["extensions"]
    background: Background = context["background"]
    capture: TimelineCapture = context["capture"]
    subtype = event.get("subtype")
    if subtype == "message_changed":
        await capture.changed(event)
        return
    if subtype == "message_deleted":
        await capture.deleted(event)
        return
    if subtype not in HUMAN_MESSAGES or event.get("bot_id"):
        return
    text = event.get("text") or ""
    if addressed_to(text, context.bot_user_id or "") is not None:
        return  # a command: the app_mention for the same message runs it
    if any(extensions.registry.matching_keywords(text)):
        # Nothing here must survive a crash, so even the channel lookup happens after the ack.
        background.spawn(extensions.keywords_in_channel(event), None)


async def on_rename(event: dict[str, Any], context: AsyncBoltContext) -> None:
    channels: IncidentChannels = context["channels"]
    channel = event.get("channel") or {}
    if channel.get("id") and channel.get("name"):
        await channels.renamed(channel["id"], channel["name"])


async def on_home_opened(event: dict[str, Any], context: AsyncBoltContext) -> None:
    home: HomeTab = context["home"]
    background: Background = context["background"]
    if event.get("tab") == "home":
        background.spawn(home.publish(event["user"]), None)


def _capture(method: str) -> Builtin:
    async def handle(event: dict[str, Any], context: AsyncBoltContext) -> None:
        await getattr(context["capture"], method)(event)

    return handle


BUILTINS: dict[str, Builtin] = {
    "message": on_message,
    "pin_added": _capture("pinned"),
    "pin_removed": _capture("unpinned"),
    "reaction_added": _capture("reacted"),
    "reaction_removed": _capture("unreacted"),
    "channel_rename": on_rename,
    "group_rename": on_rename,
    "app_home_opened": on_home_opened,
}


def register(app: AsyncApp, registry: Registry) -> None:
    for event_type in sorted(set(BUILTINS) | set(registry.events)):
        app.event(event_type)(_listener(BUILTINS.get(event_type), bool(registry.events.get(event_type))))


def _listener(builtin: Builtin | None, has_plugins: bool) -> Callable[..., Awaitable[None]]:
    async def listener(
        event: dict[str, Any],
        body: dict[str, Any],
        context: AsyncBoltContext,
        extensions: ExtensionRunner,
        background: Background,
    ) -> None:
        if builtin is not None:
            await builtin(event, context)
        if has_plugins:
            background.spawn(extensions.event(event, event_id=body.get("event_id")), None)

    return listener
