"""Running the real application in-process against the fake Slack."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from response_bot.main import Bot, Core, running
from response_bot.settings import Settings
from tests.fakeslack import FakeSlack


def bot_settings(slack: FakeSlack, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": slack.bot_token,
        "slack_app_token": slack.app_token,
        "slack_api_url": slack.api_url,
        "database_url": database_url,
        "incident_channel": "incidents",
        "http_host": "127.0.0.1",
        "http_port": 0,
        "public_url": "http://docs.example.test",
        "socket_ping_interval": 2.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class RunningBot:
    slack: FakeSlack
    settings: Settings
    running: Bot = field(init=False)
    # Killed at a crash point (tests/support/crash.py): nothing left to stop.
    dead: bool = False
    _stack: AsyncExitStack = field(init=False)

    async def start(self) -> RunningBot:
        self._stack = AsyncExitStack()
        self.running = await self._stack.enter_async_context(running(self.settings))
        self.dead = False
        await self.slack.wait_connected()
        return self

    async def stop(self) -> None:
        if not self.dead:
            await self._stack.aclose()

    @property
    def core(self) -> Core:
        return self.running.core

    async def restart(self) -> RunningBot:
        await self.stop()
        return await self.start()

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.running.web.port}"

    async def get(self, path: str, **kwargs: Any) -> tuple[int, str, dict[str, str]]:
        async with aiohttp.ClientSession() as session, session.get(self.web_url + path, **kwargs) as response:
            return response.status, await response.text(), dict(response.headers)
