"""The Socket Mode link: opened last, once everything it hands events to is running; closed first.

Closing stops taking envelopes (they stay unacked, so Slack delivers them to another connection),
lets the ones in flight finish and be acked, then closes the websocket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from response_bot.errors import StartupError
from response_bot.slack.transport.gate import Gate

DRAIN_SECONDS = 3


class Link:
    def __init__(
        self,
        app: AsyncApp,
        app_token: str,
        ping_interval: float,
        on_envelope: Callable[[str], None] = lambda kind: None,
    ) -> None:
        self._app = app
        self._app_token = app_token
        self._ping_interval = ping_interval
        self.gate = Gate(self._handle, on_envelope)
        # Made on `open`: the Socket Mode client starts a session and a task as soon as it exists.
        self._handler: AsyncSocketModeHandler | None = None

    async def _handle(self, client: Any, request: Any) -> None:
        assert self._handler is not None
        await self._handler.handle(client, request)

    async def open(self) -> None:
        """Connect, failing fast (not retrying forever) when the app token is refused."""
        handler = AsyncSocketModeHandler(
            self._app, app_token=self._app_token, ping_interval=self._ping_interval
        )
        handler.client.socket_mode_request_listeners[:] = [self.gate]
        try:
            handler.client.wss_uri = await connection_url(self._app.client, self._app_token)
            await handler.connect_async()
        except BaseException:
            await handler.client.close()
            raise
        self._handler = handler

    async def is_up(self) -> bool:
        return self._handler is not None and bool(await self._handler.client.is_connected())

    async def close(self) -> None:
        """Take nothing new, let what is in flight finish (a few seconds at most), then disconnect."""
        await self.gate.drain(timeout=DRAIN_SECONDS)
        if self._handler is not None:
            await self._handler.close_async()
            self._handler = None


async def connection_url(client: AsyncWebClient, app_token: str) -> str:
    """A websocket URL from `apps.connections.open`; a refused app token is a one-line startup error."""
    try:
        opened = await client.apps_connections_open(app_token=app_token)
    except SlackApiError as error:
        code = error.response.get("error")
        raise StartupError(
            f"Slack refused SLACK_APP_TOKEN ({code}): use an app-level token with connections:write "
            "and turn Socket Mode on in the app settings"
        ) from None
    return str(opened["url"])
