"""Waiting on a condition that only an async check can see (the bot's database), with a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T]], timeout: float = 5.0, every: float = 0.05) -> T:
    """The first truthy result of `probe()`, checked every `every` seconds until `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        await asyncio.sleep(every)
