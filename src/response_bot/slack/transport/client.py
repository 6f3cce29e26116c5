"""The Web API clients: one for listeners (brief retries of its own) and one for the outbox (none)."""

from __future__ import annotations

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient


def build_client(
    token: str, base_url: str, session: aiohttp.ClientSession, timeout: float = 10
) -> AsyncWebClient:
    """Retries connection errors, 429s (honouring Retry-After) and 5xx, briefly."""
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


def outbox_client(client: AsyncWebClient) -> AsyncWebClient:
    """The same token and session, but it never retries or sleeps by itself: the outbox reschedules."""
    return AsyncWebClient(
        token=client.token,
        base_url=client.base_url,
        session=client.session,
        timeout=client.timeout,
        retry_handlers=[],
    )
