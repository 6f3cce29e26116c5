"""The door between the Socket Mode client and Bolt: counts envelopes in flight, and on shutdown
stops taking new ones (unacked, so Slack delivers them to another connection) while the ones
already being handled finish and are acked."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)
Handle = Callable[[Any, Any], Awaitable[None]]


class Gate:
    def __init__(self, handle: Handle, on_envelope: Callable[[str], None] = lambda kind: None) -> None:
        self._handle = handle
        self._on_envelope = on_envelope
        self.draining = False
        self.in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, client: Any, request: Any) -> None:
        if self.draining:
            log.info("shutting down: leaving envelope %s unacked for another connection", request.envelope_id)
            return
        self.in_flight += 1
        self._idle.clear()
        self._on_envelope(str(getattr(request, "type", "unknown")))
        try:
            await self._handle(client, request)
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self._idle.set()

    async def drain(self, timeout: float) -> bool:
        """Take nothing new; wait for what is in flight. False if the wait timed out."""
        self.draining = True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except TimeoutError:
            log.warning("shutting down with %d envelopes still being handled", self.in_flight)
            return False
