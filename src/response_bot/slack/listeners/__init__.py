"""Slack listeners, one module per user flow; each exposes `register(app)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from response_bot.slack.listeners import declare, headline


def register_all(app: AsyncApp) -> None:
    for module in (declare, headline):
        module.register(app)
