"""A fake Atlassian Statuspage manage API on loopback, as strict as the real one.

What it enforces (Statuspage's OpenAPI, see `../shared/reference/integrations-notes.md` §3):
`Authorization: OAuth <key>` (401 `{"message"}` otherwise); the page id in the path (404); bodies
wrapped in `incident`; `name` required on create, at most 255 characters; `status` one of the
realtime statuses; `body` at most 25,000; `components` a map of component id to a known component
status; `metadata` whose every top-level value is an object (422 `{"message"}` for any of these);
one request a second per key averaged over a minute, then 420. Each PATCH carrying a status or a
body appends an incident update, with the components' old and new statuses. Lists are bare arrays.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakevendors.loopback import Loopback

STATUSES = ("investigating", "identified", "monitoring", "resolved")
COMPONENT_STATUSES = (
    "operational",
    "under_maintenance",
    "degraded_performance",
    "partial_outage",
    "major_outage",
)
PER_MINUTE = 60


@dataclass
class Component:
    id: str
    name: str
    status: str = "operational"


@dataclass
class PublicIncident:
    id: str
    name: str
    status: str
    metadata: dict[str, Any]
    updates: list[dict[str, Any]] = field(default_factory=list)
    components: list[str] = field(default_factory=list)


class FakeStatuspage:
    def __init__(self, page_id: str = "pg1abc2def", api_key: str = "sp-key-1") -> None:
        self.page_id, self.api_key = page_id, api_key
        self.components = [Component("cmpapi0001", "API"), Component("cmpweb0001", "Website")]
        self.incidents: list[PublicIncident] = []
        self.requests: list[tuple[str, str]] = []
        self.rejected_status = 420
        self.stalls: dict[str, float] = {}  # method -> seconds: acted on, then answered that late
        self._ids = itertools.count(1)
        self._sent: deque[float] = deque()
        self._server = Loopback()
        self.url = ""

    async def start(self) -> FakeStatuspage:
        app = web.Application(middlewares=[self._checks])
        base = "/v1/pages/{page_id}"
        app.router.add_get(base + "/components", self._list_components)
        app.router.add_get(base + "/incidents/unresolved", self._unresolved)
        app.router.add_post(base + "/incidents", self._create)
        app.router.add_get(base + "/incidents/{id}", self._get)
        app.router.add_patch(base + "/incidents/{id}", self._update)
        self.url = await self._server.serve(app) + "/v1"
        return self

    async def stop(self) -> None:
        await self._server.close()

    def component(self, component_id: str) -> Component:
        return next(c for c in self.components if c.id == component_id)

    @web.middleware
    async def _checks(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path_qs))
        if request.headers.get("Authorization") != f"OAuth {self.api_key}":
            return web.json_response({"message": "Could not authenticate"}, status=401)
        if request.match_info.get("page_id") != self.page_id:
            return web.json_response({"message": "The requested resource could not be found."}, status=404)
        now = time.monotonic()
        while self._sent and self._sent[0] < now - 60:
            self._sent.popleft()
        if len(self._sent) >= PER_MINUTE:
            return web.json_response({"message": "Rate limit exceeded"}, status=self.rejected_status)
        self._sent.append(now)
        answer = await handler(request)
        stall = self.stalls.pop(request.method, 0.0)
        if stall:
            await asyncio.sleep(stall)  # done, but the bot hears only after its timeout
        return answer

    def _incident(self, incident: PublicIncident) -> dict[str, Any]:
        return {
            "id": incident.id,
            "name": incident.name,
            "status": incident.status,
            "shortlink": f"https://stspg.example.test/{incident.id}",
            "page_id": self.page_id,
            "metadata": incident.metadata,
            "components": [
                {"id": c.id, "name": c.name, "status": c.status}
                for c in self.components
                if c.id in incident.components
            ],
            "incident_updates": list(reversed(incident.updates)),
        }

    async def _list_components(self, request: web.Request) -> web.Response:
        return web.json_response(
            [{"id": c.id, "name": c.name, "status": c.status, "group": False} for c in self.components]
        )

    async def _unresolved(self, request: web.Request) -> web.Response:
        return web.json_response([self._incident(i) for i in self.incidents if i.status != "resolved"])

    async def _get(self, request: web.Request) -> web.Response:
        found = next((i for i in self.incidents if i.id == request.match_info["id"]), None)
        if found is None:
            return web.json_response({"message": "The requested resource could not be found."}, status=404)
        return web.json_response(self._incident(found))

    async def _create(self, request: web.Request) -> web.Response:
        fields, problem = await _fields(request, creating=True, known={c.id for c in self.components})
        if problem:
            return web.json_response({"message": problem}, status=422)
        incident = PublicIncident(
            f"inc{next(self._ids):07d}",
            fields["name"],
            fields.get("status", "investigating"),
            fields.get("metadata", {}),
        )
        self.incidents.append(incident)
        self._apply(incident, fields)
        return web.json_response(self._incident(incident), status=201)

    async def _update(self, request: web.Request) -> web.Response:
        incident = next((i for i in self.incidents if i.id == request.match_info["id"]), None)
        if incident is None:
            return web.json_response({"message": "The requested resource could not be found."}, status=404)
        fields, problem = await _fields(request, creating=False, known={c.id for c in self.components})
        if problem:
            return web.json_response({"message": problem}, status=422)
        incident.name = fields.get("name", incident.name)
        incident.status = fields.get("status", incident.status)
        self._apply(incident, fields)
        return web.json_response(self._incident(incident))

    def _apply(self, incident: PublicIncident, fields: dict[str, Any]) -> None:
        affected = []
        for component_id, status in (fields.get("components") or {}).items():
            component = self.component(component_id)
            affected.append(
                {
                    "code": component_id,
                    "name": component.name,
                    "old_status": component.status,
                    "new_status": status,
                }
            )
            component.status = status
            if component_id not in incident.components:
                incident.components.append(component_id)
        if "status" in fields or "body" in fields:
            incident.updates.append(
                {
                    "status": incident.status,
                    "body": fields.get("body", ""),
                    "deliver_notifications": fields.get("deliver_notifications", True),
                    "affected_components": affected,
                }
            )


async def _fields(request: web.Request, *, creating: bool, known: set[str]) -> tuple[dict[str, Any], str]:
    if request.content_type != "application/json":
        return {}, "Content-Type must be application/json"
    body = await request.json()
    fields = body.get("incident") if isinstance(body, dict) else None
    if not isinstance(fields, dict):
        return {}, "incident is missing"
    name = fields.get("name")
    if creating and (not isinstance(name, str) or not name.strip()):
        return fields, "Name can't be blank"
    if isinstance(name, str) and len(name) > 255:
        return fields, "Name is too long (maximum is 255 characters)"
    if "status" in fields and fields["status"] not in STATUSES:
        return fields, f"Status must be one of {', '.join(STATUSES)}"
    if len(str(fields.get("body", ""))) > 25_000:
        return fields, "Body is too long (maximum is 25000 characters)"
    for component_id, status in (fields.get("components") or {}).items():
        if component_id not in known:
            return fields, f"Component {component_id} not found"
        if status not in COMPONENT_STATUSES:
            return fields, f"Component status must be one of {', '.join(COMPONENT_STATUSES)}"
    metadata = fields.get("metadata")
    if metadata is not None and (
        not isinstance(metadata, dict) or not all(isinstance(v, dict) for v in metadata.values())
    ):
        return fields, "Metadata values must be objects"
    return fields, ""
