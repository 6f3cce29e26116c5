"""Plugins' buttons: each `@action_handler(action_id)` gets its own Bolt action listener."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from response_bot.extensions.registry import Registry
from response_bot.slack.background import Background
from response_bot.slack.extension_runner import ExtensionRunner
from response_bot.slack.recipients import recipient_of


def register(app: AsyncApp, registry: Registry) -> None:
    for action_id in registry.actions:
        app.action(action_id)(run_plugin_action)


async def run_plugin_action(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    extensions: ExtensionRunner,
    background: Background,
) -> None:
    await ack()
    background.spawn(extensions.action(body, action), recipient_of(body))
