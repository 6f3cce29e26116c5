"""A fake PagerDuty Events API v2 on loopback, as strict as the real one.

What it enforces (PagerDuty's developer docs and events OpenAPI, see
`../shared/reference/integrations-notes.md` §2.1): JSON bodies; `routing_key` of 32 letters and
digits, and one this account has (an unknown key is refused like a malformed one, with the observed
`{"status": "invalid event", "message", "errors"}` shape; the real API's answer to a well-formed but
unknown key is not documented); `event_action` one of trigger/acknowledge/resolve; `dedup_key` at
most 255 characters and required to acknowledge or resolve; a trigger's `payload.summary` (≤ 1024),
`payload.source` and `payload.severity` (critical/error/warning/info); `links[].href`. Alerts follow
PagerDuty's dedup rules: a trigger with the key of an open alert adds to it, after it is resolved
the same key opens a new one, and acknowledge/resolve for a key with no open alert are dropped
(still 202). About 120 events a minute per routing key, then 429.

Tests script failures (`fail_next`, `stall_next`) and read what arrived (`events`) and what people
were paged for (`alerts`).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakevendors.loopback import Loopback

ROUTING_KEY = re.compile(r"[A-Za-z0-9]{32}")
ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
PER_MINUTE = 120


@dataclass
class Alert:
    routing_key: str
    dedup_key: str
    summary: str
    severity: str
    status: str = "triggered"  # triggered | acknowledged | resolved
    log: list[str] = field(default_factory=lambda: ["trigger"])


@dataclass
class Scripted:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class FakePagerDuty:
    def __init__(self, routing_keys: tuple[str, ...] = ("R" * 32,)) -> None:
        self.routing_keys = set(routing_keys)
        self.events: list[dict[str, Any]] = []  # every accepted event, in order
        self.alerts: list[Alert] = []  # every alert opened (each one paged someone)
        self.refused: list[dict[str, Any]] = []
        self._failures: deque[Scripted] = deque()
        self._stalls = 0
        self._stall_for = 0.0
        self._sent: dict[str, deque[float]] = {}
        self._server = Loopback()
        self.url = ""
        self.arrived = asyncio.Condition()

    # --- scripting ------------------------------------------------------------------------------

    def fail_next(
        self, status: int, times: int = 1, *, body: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        """The next `times` requests get this answer instead (before any checks)."""
        for _ in range(times):
            self._failures.append(Scripted(status, body, headers or {}))

    def stall_next(self, seconds: float, times: int = 1) -> None:
        """The next `times` requests are acted on, but answered only after `seconds` (past the
        bot's timeout, say): PagerDuty took the event, the bot never heard."""
        self._stalls, self._stall_for = times, seconds

    def open_alerts(self) -> list[Alert]:
        return [a for a in self.alerts if a.status != "resolved"]

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: predicate(self)), timeout)

    # --- serving --------------------------------------------------------------------------------

    async def start(self) -> FakePagerDuty:
        app = web.Application()
        app.router.add_post("/v2/enqueue", self._enqueue)
        self.url = await self._server.serve(app)
        return self

    async def stop(self) -> None:
        await self._server.close()

    async def _enqueue(self, request: web.Request) -> web.Response:
        stall = 0.0
        if self._stalls:
            self._stalls -= 1
            stall = self._stall_for
        try:
            if self._failures:
                scripted = self._failures.popleft()
                if scripted.body is None:
                    return web.Response(status=scripted.status, headers=scripted.headers)
                return web.json_response(scripted.body, status=scripted.status, headers=scripted.headers)
            answer = await self._accept(request)
        finally:
            async with self.arrived:
                self.arrived.notify_all()
        if stall:
            await asyncio.sleep(stall)
        return answer

    async def _accept(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return _invalid("Event object is invalid", "Content-Type must be application/json")
        try:
            event = await request.json()
        except ValueError:
            return _invalid("Event object is invalid", "the body is not JSON")
        problems = _problems(event)
        key = event.get("routing_key") if isinstance(event, dict) else None
        if not problems and key not in self.routing_keys:
            problems = ["Invalid routing key"]
        if problems:
            self.refused.append(event if isinstance(event, dict) else {"body": event})
            return _invalid("Event object is invalid", *problems)
        if self._limited(key):
            return web.Response(status=429)
        self.events.append(event)
        return web.json_response(
            {"status": "success", "message": "Event processed", "dedup_key": self._apply(event)}, status=202
        )

    def _limited(self, routing_key: str) -> bool:
        now = time.monotonic()
        window = self._sent.setdefault(routing_key, deque())
        while window and window[0] < now - 60:
            window.popleft()
        if len(window) >= PER_MINUTE:
            return True
        window.append(now)
        return False

    def _apply(self, event: dict[str, Any]) -> str:
        action, routing_key = event["event_action"], event["routing_key"]
        dedup_key = event.get("dedup_key") or f"generated-{len(self.events)}"
        open_alert = next(
            (
                a
                for a in self.alerts
                if a.routing_key == routing_key and a.dedup_key == dedup_key and a.status != "resolved"
            ),
            None,
        )
        if action == "trigger":
            if open_alert is not None:
                open_alert.log.append("trigger")
            else:
                payload = event["payload"]
                self.alerts.append(Alert(routing_key, dedup_key, payload["summary"], payload["severity"]))
        elif open_alert is not None:  # acknowledge or resolve; dropped if nothing is open
            open_alert.status = "acknowledged" if action == "acknowledge" else "resolved"
            open_alert.log.append(action)
        return dedup_key


def _problems(event: Any) -> list[str]:
    if not isinstance(event, dict):
        return ["the event must be a JSON object"]
    problems = []
    key = event.get("routing_key")
    if not isinstance(key, str) or not ROUTING_KEY.fullmatch(key):
        problems.append("'routing_key' must be a 32 character alphanumeric string")
    action = event.get("event_action")
    if action not in ACTIONS:
        problems.append(f"'event_action' must be one of {', '.join(ACTIONS)}")
    dedup_key = event.get("dedup_key")
    if dedup_key is not None and (not isinstance(dedup_key, str) or not 0 < len(dedup_key) <= 255):
        problems.append("'dedup_key' must be a string of at most 255 characters")
    if action in ("acknowledge", "resolve") and not dedup_key:
        problems.append(f"'dedup_key' is required to {action}")
    if action == "trigger":
        payload = event.get("payload")
        if not isinstance(payload, dict):
            problems.append("'payload' is required")
        else:
            summary = payload.get("summary")
            if not isinstance(summary, str) or not summary.strip():
                problems.append("'payload.summary' is required")
            elif len(summary) > 1024:
                problems.append("'payload.summary' must be at most 1024 characters")
            if not isinstance(payload.get("source"), str) or not payload["source"]:
                problems.append("'payload.source' is required")
            if payload.get("severity") not in SEVERITIES:
                problems.append(f"'payload.severity' must be one of {', '.join(SEVERITIES)}")
    for link in event.get("links") or []:
        if not isinstance(link, dict) or not isinstance(link.get("href"), str):
            problems.append("each of 'links' needs an 'href'")
    return problems


def _invalid(message: str, *errors: str) -> web.Response:
    return web.json_response(
        {"status": "invalid event", "message": message, "errors": list(errors)}, status=400
    )
