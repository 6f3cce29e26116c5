"""Assembling the Bolt app, its Web API client and the Socket Mode link."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from response_bot.errors import StartupError
from response_bot.extensions.registry import Registry
from response_bot.slack.errors import ErrorReporter
from response_bot.slack.gate import Gate
from response_bot.slack.listeners import register_all
from response_bot.slack.workspace import Workspace

log = logging.getLogger(__name__)


def build_client(
    token: str, base_url: str, session: aiohttp.ClientSession, timeout: float = 10
) -> AsyncWebClient:
    """The one Web API client: retries connection errors, 429s (honouring Retry-After) and 5xx, briefly."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        session=session,
        timeout=int(max(1, timeout)),
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_app(
    client: AsyncWebClient,
    workspace: Workspace,
    reporter: ErrorReporter,
    registry: Registry,
    services: dict[str, Any],
) -> AsyncApp:
    """A Bolt app whose listeners receive `services` by name (e.g. `incidents: IncidentService`)."""

    async def authorize(**_: Any) -> AuthorizeResult:
        # Identity was learnt at start; Bolt need not call auth.test on the first envelope.
        return AuthorizeResult(
            enterprise_id=None,
            team_id=workspace.team_id,
            bot_token=client.token,
            bot_id=workspace.bot_id,
            bot_user_id=workspace.bot_user_id,
            bot_scopes=sorted(workspace.scopes),
        )

    # Bolt builds a client per request from this one plus the token `authorize` returns, so it
    # shares our session and retry handlers without holding the token itself.
    template = AsyncWebClient(
        base_url=client.base_url,
        session=client.session,
        timeout=client.timeout,
        retry_handlers=client.retry_handlers,
    )
    # process_before_response: the ack goes out when the listener returns, so each listener
    # decides what is durable before acking and hands the rest to Background.
    app = AsyncApp(client=template, authorize=authorize, process_before_response=True)

    async def inject(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        context.update(services)
        await next()

    app.use(inject)
    app.error(reporter.bolt_error_handler)
    register_all(app, registry)
    return app


async def open_link(
    app: AsyncApp,
    app_token: str,
    ping_interval: float,
    on_envelope: Callable[[str], None] = lambda kind: None,
) -> tuple[AsyncSocketModeHandler, Gate]:
    """Connect over Socket Mode, failing fast (not retrying forever) when the app token is refused."""
    handler = AsyncSocketModeHandler(app, app_token=app_token, ping_interval=ping_interval)
    gate = Gate(handler.handle, on_envelope)
    handler.client.socket_mode_request_listeners[:] = [gate]
    try:
        opened = await app.client.apps_connections_open(app_token=app_token)
    except SlackApiError as error:
        await handler.client.close()
        code = error.response.get("error")
        raise StartupError(
            f"Slack refused SLACK_APP_TOKEN ({code}): use an app-level token with connections:write "
            "and turn Socket Mode on in the app settings"
        ) from None
    handler.client.wss_uri = opened["url"]
    await handler.connect_async()
    return handler, gate
