"""The listener tier: the real Bolt app with every real listener and service, fed envelopes by the
fake Slack without a websocket, against its real Web API. No link, no web server, no ticker.

Envelopes reach the app as Bolt's own Socket Mode adapter hands them over (`run_async_bolt_app`),
and its answers become acks as that adapter sends them (`send_async_response`), so what a listener
acks is what Slack would see.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app, send_async_response
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from response_bot.main import Core, SlackSide, start_core, start_slack
from response_bot.settings import Settings
from tests.fakeslack import FakeSlack

log = logging.getLogger(__name__)


@dataclass
class ListeningBot:
    slack: FakeSlack
    core: Core
    side: SlackSide


class _Acks:
    """What Bolt's Socket Mode adapter needs of a client to send an ack: it is kept for the fake."""

    def __init__(self) -> None:
        self.logger = log
        self.sent: list[dict[str, Any]] = []

    async def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.sent.append(response.to_dict())


def bolt_receiver(app: AsyncApp) -> Callable[[str], Awaitable[str | None]]:
    async def receive(frame: str) -> str | None:
        request = SocketModeRequest.from_dict(json.loads(frame))
        assert request is not None, frame
        started = time.time()
        acks = _Acks()
        await send_async_response(acks, request, await run_async_bolt_app(app, request), started)  # type: ignore[arg-type]
        return json.dumps(acks.sent[0]) if acks.sent else None

    return receive


@asynccontextmanager
async def listening(settings: Settings, slack: FakeSlack) -> AsyncIterator[ListeningBot]:
    async with AsyncExitStack() as stack:
        core = await start_core(settings, stack)
        side = await start_slack(core, stack)
        stack.push_async_callback(side.runner.stop, timeout=2)
        stack.push_async_callback(side.background.drain, timeout=3)
        connection = slack.hub.connect_in_process(bolt_receiver(side.app))
        stack.push_async_callback(connection.close)
        yield ListeningBot(slack, core, side)
