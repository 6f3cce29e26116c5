"""Opening App Home publishes the open incidents the person may see (after the ack)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from response_bot.slack.home.tab import HomeTab
from response_bot.slack.transport.background import Background
from response_bot.slack.transport.events import Events


def register(app: AsyncApp, events: Events) -> None:
    events.on("app_home_opened", on_home_opened)


async def on_home_opened(event: dict[str, Any], home: HomeTab, background: Background) -> None:
    if event.get("tab") == "home":
        background.spawn(home.publish(event["user"]), None)
