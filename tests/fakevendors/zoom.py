"""A fake Zoom on loopback: Server-to-Server OAuth and meeting creation, as strict as the real ones.

What it enforces (Zoom's S2S OAuth and rate-limit docs, see `../shared/reference/integrations-notes.md`
§6): `POST /oauth/token?grant_type=account_credentials&account_id=…` with HTTP Basic client
credentials, answering `{"access_token", "token_type": "bearer", "expires_in", "scope"}` or 400
`{"reason", "error"}`; `POST /v2/users/me/meetings` with `Authorization: Bearer` (401 code 124 for
a token that is unknown or expired), the `meeting:write` scope (400 code 4711 without it), a topic
of at most 200 characters and a known meeting type; at most 100 meetings a day per user, then 429
with `{"code": 429, "message": …}`. Answers 201 with `id`, `join_url` and `start_url`.
"""

from __future__ import annotations

import base64
import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakevendors.loopback import Loopback

DAILY_MEETINGS = 100


@dataclass
class Meeting:
    id: int
    topic: str
    join_url: str
    start_url: str
    body: dict[str, Any] = field(default_factory=dict)


class FakeZoom:
    def __init__(
        self, account_id: str = "acct-1", client_id: str = "client-1", client_secret: str = "secret-1"
    ) -> None:
        self.account_id, self.client_id, self.client_secret = account_id, client_id, client_secret
        self.scopes = {"meeting:write:meeting"}
        self.tokens: set[str] = set()
        self.meetings: list[Meeting] = []
        self.token_requests = 0
        self.failures: list[int] = []  # statuses for the next meeting requests
        self._ids = itertools.count(81_000_000_001)
        self._server = Loopback()
        self.url = ""

    def expire_tokens(self) -> None:
        self.tokens.clear()

    async def start(self) -> FakeZoom:
        app = web.Application()
        app.router.add_post("/oauth/token", self._token)
        app.router.add_post("/v2/users/me/meetings", self._create)
        self.url = await self._server.serve(app)
        return self

    async def stop(self) -> None:
        await self._server.close()

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return web.json_response(
                {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}, status=400
            )
        query = request.query
        if query.get("grant_type") != "account_credentials":
            return web.json_response(
                {"reason": "Unsupported grant type", "error": "unsupported_grant_type"}, status=400
            )
        if query.get("account_id") != self.account_id:
            return web.json_response(
                {"reason": "Invalid request : Account does not exist.", "error": "invalid_request"},
                status=400,
            )
        token = secrets.token_hex(16)
        self.tokens.add(token)
        return web.json_response(
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": 3599,
                "scope": " ".join(self.scopes),
            }
        )

    async def _create(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth.removeprefix("Bearer ") not in self.tokens:
            return web.json_response({"code": 124, "message": "Invalid access token."}, status=401)
        if self.failures:
            status = self.failures.pop(0)
            return web.json_response({"code": status, "message": "Scripted failure"}, status=status)
        if "meeting:write:meeting" not in self.scopes:
            return web.json_response(
                {
                    "code": 4711,
                    "message": "Invalid access token, does not contain scopes:[meeting:write:meeting].",
                },
                status=400,
            )
        if len(self.meetings) >= DAILY_MEETINGS:
            return web.json_response(
                {
                    "code": 429,
                    "message": (
                        "You have exceeded the daily rate limit (100) of Meeting Create/Update API "
                        "requests permitted for this particular user."
                    ),
                },
                status=429,
            )
        body = await request.json()
        topic = body.get("topic", "")
        if not isinstance(topic, str) or len(topic) > 200:
            return web.json_response({"code": 300, "message": "Invalid field: topic"}, status=400)
        if body.get("type", 2) not in (1, 2, 3, 8, 10):
            return web.json_response({"code": 300, "message": "Invalid field: type"}, status=400)
        meeting_id = next(self._ids)
        meeting = Meeting(
            meeting_id,
            topic,
            f"https://zoom.example.test/j/{meeting_id}?pwd={secrets.token_hex(8)}",
            f"https://zoom.example.test/s/{meeting_id}?zak={secrets.token_hex(16)}",
            body,
        )
        self.meetings.append(meeting)
        return web.json_response(
            {
                "id": meeting_id,
                "topic": topic,
                "type": body.get("type", 2),
                "join_url": meeting.join_url,
                "start_url": meeting.start_url,
            },
            status=201,
        )
