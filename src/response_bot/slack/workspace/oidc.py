"""Sign in with Slack's server side: exchanging the sign-in code at openid.connect.token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient


def code_exchanger(
    api_url: str, session: aiohttp.ClientSession, client_id: str, client_secret: str, redirect_uri: str
) -> Callable[[str], Awaitable[dict[str, Any]]]:
    # The exchange authenticates with the app's client credentials, never with the bot token.
    client = AsyncWebClient(base_url=api_url, session=session, timeout=10)

    async def exchange(code: str) -> dict[str, Any]:
        # Client credentials as form fields (Slack also takes HTTP Basic, which aiohttp deprecates).
        data = {
            "client_id": client_id,
            "client_secret": client_secret,
            "code": code,
            "redirect_uri": redirect_uri,
        }
        response = await client.api_call("openid.connect.token", data=data)
        return dict(response.data) if isinstance(response.data, dict) else {}

    return exchange
