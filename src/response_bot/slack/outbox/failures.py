"""What a failed Web API call means for an outbox row: try again later (and whether it may have
happened anyway), or give up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from slack_sdk.errors import SlackApiError

from response_bot.outcomes import GiveUp, Retry

TRANSIENT = {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}


def classified(error: SlackApiError) -> Retry | GiveUp:
    status = error.response.status_code
    code = str(error.response.get("error", ""))
    if status == 429 or code == "ratelimited":
        retry_after = float(error.response.headers.get("Retry-After", "30") or 30)
        return Retry("not sent: rate limited", retry_after=retry_after)
    if status >= 500 or code in TRANSIENT:
        return Retry(f"not sent: Slack answered {status} {code}".strip())
    return GiveUp(code or f"HTTP {status}")


@asynccontextmanager
async def slack_call() -> AsyncIterator[None]:
    """Turn what a Web API call raises into `Retry` or `GiveUp`."""
    try:
        yield
    except SlackApiError as error:
        raise classified(error) from None
    except (aiohttp.ClientConnectorError, ConnectionRefusedError) as error:
        raise Retry(f"not sent: cannot connect ({error})") from None
    except (TimeoutError, aiohttp.ClientError) as error:
        # The request may have reached Slack before the answer was lost.
        raise Retry(f"unknown: {type(error).__name__}", sent_maybe=True) from None


def code_of(error: SlackApiError) -> str:
    return str(error.response.get("error", ""))
