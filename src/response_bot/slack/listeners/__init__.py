"""Slack listeners, one module per user flow; each exposes `register(app)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from response_bot.extensions.registry import Registry
from response_bot.slack.listeners import commands, declare, events, extensions, fields, headline, timeline


def register_all(app: AsyncApp, registry: Registry) -> None:
    for module in (declare, headline, commands, fields, timeline):
        module.register(app)
    events.register(app, registry)
    extensions.register(app, registry)
