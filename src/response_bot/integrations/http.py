"""Talking to another system's HTTP API: what each kind of failure means for the outbox.

A timeout, a connection error, a 5xx or a 429 is tried again later (a 429 after its `Retry-After`);
any other 4xx is a refusal, said in the incident channel in the words the integration chooses.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

from response_bot.api import TryLater


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # parsed JSON, or the text if it was not JSON
    headers: dict[str, str]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


async def send(
    http: aiohttp.ClientSession,
    vendor: str,
    method: str,
    url: str,
    *,
    json_body: Any = None,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    """Make one request (a JSON body, or `data` as it is); raises `TryLater` for what is worth
    trying again, returns any other answer. Redirects are answers, never followed."""
    try:
        async with http.request(
            method, url, json=json_body, data=data, headers=headers, allow_redirects=False
        ) as reply:
            text = await reply.text()
            answer = Answer(reply.status, _parsed(text), {k.lower(): v for k, v in reply.headers.items()})
    except TimeoutError:
        raise TryLater(f"{vendor} did not answer in time", maybe_sent=True) from None
    except aiohttp.ClientConnectorError as error:
        raise TryLater(f"{vendor} could not be reached ({error.os_error or error})") from None
    except (aiohttp.ClientError, asyncio.IncompleteReadError) as error:
        raise TryLater(
            f"the connection to {vendor} broke ({type(error).__name__})", maybe_sent=True
        ) from None
    if answer.status == 429 or answer.status == 420:
        raise TryLater(f"{vendor} is limiting our rate", retry_after=retry_after(answer.headers))
    if answer.status >= 500 or answer.status == 408:
        raise TryLater(
            f"{vendor} answered {answer.status}", retry_after=retry_after(answer.headers), maybe_sent=True
        )
    return answer


def retry_after(headers: dict[str, str]) -> float | None:
    """`Retry-After` in seconds, given as seconds or as an HTTP date (None if absent or unreadable)."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _parsed(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text
