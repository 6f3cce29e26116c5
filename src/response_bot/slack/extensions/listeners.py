"""Plugins in Slack: each `@action_handler(action_id)` gets its own Bolt action listener; keywords in
incident channels and the event types plugins subscribe to run their handlers after the ack."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from response_bot.extensions.registry import Registry
from response_bot.slack.commands.runner import addressed_to
from response_bot.slack.extensions.runner import ExtensionRunner
from response_bot.slack.transport.background import Background, after_ack
from response_bot.slack.transport.events import Events

# Messages people write (a broadcast thread reply or a file with a comment is one too).
HUMAN_MESSAGES = (None, "thread_broadcast", "file_share")


def register(app: AsyncApp, events: Events, registry: Registry) -> None:
    for action_id in registry.actions:
        app.action(action_id)(run_plugin_action)
    for callback_id in registry.views:
        app.view_submission(callback_id)(run_plugin_view)
    events.on("message", on_message)
    for event_type in registry.events:
        events.on(event_type, run_plugin_event)


async def on_message(
    event: dict[str, Any], context: AsyncBoltContext, extensions: ExtensionRunner, background: Background
) -> None:
    if event.get("subtype") not in HUMAN_MESSAGES or event.get("bot_id"):
        return
    text = event.get("text") or ""
    if addressed_to(text, context.bot_user_id or "") is not None:
        return  # a command: the app_mention for the same message runs it
    if any(extensions.registry.matching_keywords(text)):
        # Nothing here must survive a crash, so even the channel lookup happens after the ack.
        background.spawn(extensions.keywords_in_channel(event), None)


async def run_plugin_event(
    event: dict[str, Any], body: dict[str, Any], extensions: ExtensionRunner, background: Background
) -> None:
    background.spawn(extensions.event(event, event_id=body.get("event_id")), None)


async def run_plugin_view(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], extensions: ExtensionRunner
) -> None:
    await extensions.view(body, view)  # before the ack: a refusal keeps the form open
    await ack()


@after_ack
async def run_plugin_action(
    body: dict[str, Any], action: dict[str, Any], extensions: ExtensionRunner
) -> None:
    await extensions.action(body, action)
