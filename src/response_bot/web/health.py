"""`/healthz`: is the database answering, and is the Socket Mode link up?"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from response_bot.db.engine import Database


class Health:
    def __init__(self, db: Database, link_up: Callable[[], Awaitable[bool]]) -> None:
        self._db = db
        self._link_up = link_up

    async def report(self) -> dict[str, str]:
        database, slack = await asyncio.gather(self._db.ping(timeout=2.0), self._link_state())
        return {
            "status": "ok" if database and slack else "unavailable",
            "database": "up" if database else "down",
            "slack": "up" if slack else "down",
        }

    async def _link_state(self) -> bool:
        try:
            return await self._link_up()
        except Exception:
            return False

    async def handle(self, _request: web.Request) -> web.Response:
        report = await self.report()
        return web.json_response(report, status=200 if report["status"] == "ok" else 503)
