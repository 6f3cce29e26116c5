"""A webhook receiver on loopback that checks every delivery with the reference Standard Webhooks
library (not the bot's signer) and records what it got. Tell it how to answer next: a status (with
`Retry-After`), a stall past the sender's timeout, or a dropped connection."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.fakevendors.loopback import Loopback


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    secret: str
    received: list[Received] = field(default_factory=list)
    # How to answer the next requests, in order: a status, ("status", retry_after), "stall", "drop".
    script: list[Any] = field(default_factory=list)
    url: str = ""
    _server: Loopback = field(default_factory=Loopback)

    async def start(self, path: str = "/hooks/response") -> Receiver:
        app = web.Application()
        app.router.add_post(path, self._receive)
        self.url = await self._server.serve(app) + path
        return self

    async def stop(self) -> None:
        await self._server.close()

    def accepted(self) -> list[Received]:
        """What was accepted (2xx) and verified, first delivery of each id only, in arrival order."""
        seen: set[str] = set()
        firsts = []
        for got in self.received:
            if 200 <= got.answered < 300 and got.verified and got.id not in seen:
                seen.add(got.id)
                firsts.append(got)
        return firsts

    def types(self) -> list[str]:
        return [got.event["type"] for got in self.accepted()]

    async def _receive(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            Webhook(self.secret).verify(body, headers)
            verified = True
        except WebhookVerificationError:
            verified = False
        step = self.script.pop(0) if self.script else 200
        if step == "drop":
            self.received.append(Received(headers, body, verified, 0))
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=200)
        if step == "stall":
            self.received.append(Received(headers, body, verified, 0))
            await asyncio.sleep(5)
            return web.Response(status=200)
        status, retry_after = step if isinstance(step, tuple) else (step, None)
        if not verified:
            status = 401
        self.received.append(Received(headers, body, verified, status))
        extra = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return web.Response(status=status, text="ok" if status < 300 else "not now", headers=extra)
