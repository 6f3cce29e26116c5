"""A fake PagerDuty REST API v2 on loopback: the account's services, escalation policies, schedules
and who is on call, and incidents made on its services; as strict as the real one.

What it enforces (PagerDuty's REST docs and OpenAPI, see `../shared/reference/integrations-notes.md`
§2.2–2.3): `Authorization: Token token=<key>` (401 `{"error": {"message", "code": 2006}}`
otherwise); `Accept: application/vnd.pagerduty+json;version=2`; a `From` header naming a user of the
account on `POST /incidents` (400 otherwise); wrapped bodies (`{"incident": {...}}`), references as
`{"id", "type": "<name>_reference"}`; `limit` at most 100 and `offset + limit` at most 10,000 (400);
`query` filters by name; `schedule_ids[]` / `escalation_policy_ids[]` / `include[]=users` on
`/oncalls`, where a user targeted directly by an escalation rule has no schedule and no start or
end; `incident_key` unique per service among incidents not resolved (400 code 2001); 960 requests a
minute, then 429 with code 2020 and the `ratelimit-*` headers.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakevendors.loopback import Loopback
from tests.fakevendors.pagerduty import FakePagerDuty

ACCEPT = "application/vnd.pagerduty+json;version=2"
PER_MINUTE = 960


@dataclass
class PdUser:
    id: str
    name: str
    email: str


@dataclass
class PdSchedule:
    id: str
    name: str
    on_call: str  # user id on call now


@dataclass
class PdPolicy:
    id: str
    name: str
    # Level 1 targets: schedule ids or user ids.
    targets: list[str] = field(default_factory=list)


@dataclass
class PdService:
    id: str
    name: str
    policy: str


@dataclass
class PdIncident:
    id: str
    number: int
    title: str
    service: str
    incident_key: str | None
    status: str = "triggered"
    body: dict[str, Any] = field(default_factory=dict)
    requested_by: str = ""
    acknowledged_by: list[str] = field(default_factory=list)
    responders: list[tuple[str, str, str]] = field(default_factory=list)  # (requester, policy, message)


class FakePagerDutyRest:
    def __init__(self, api_key: str = "u+FAKEKEYFAKEKEY", events: FakePagerDuty | None = None) -> None:
        self.api_key = api_key
        # The same account's Events API: each alert it opened is an incident here (on Payments API).
        self.events = events
        self.users = [
            PdUser("PUDANA1", "Dana Ops", "dana@example.com"),
            PdUser("PUERIN1", "Erin Early", "erin@example.com"),
            PdUser("PUFRED1", "Fred Nobody", "fred@nowhere.test"),
        ]
        self.schedules = [
            PdSchedule("PSPRIM1", "Payments Primary", "PUDANA1"),
            PdSchedule("PSSECN1", "Search Secondary", "PUFRED1"),
        ]
        self.policies = [
            PdPolicy("PEPAY01", "Payments", ["PSPRIM1"]),
            PdPolicy("PEDIRC1", "Database direct", ["PUERIN1"]),
            PdPolicy("PESRCH1", "Search", ["PSSECN1"]),
        ]
        self.services = [
            PdService("PSVPAY1", "Payments API", "PEPAY01"),
            PdService("PSVDB01", "Primary database", "PEDIRC1"),
        ]
        self.incidents: list[PdIncident] = []
        # The account's plan includes adding responders ("coordinated_responding"); without it, 402.
        self.coordinated_responding = True
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # method, path+query, headers
        self._numbers = itertools.count(1001)
        self._sent: deque[float] = deque()
        self._server = Loopback()
        self.url = ""

    async def start(self) -> FakePagerDutyRest:
        app = web.Application(middlewares=[self._checks])
        app.router.add_get("/services", self._services)
        app.router.add_get("/escalation_policies", self._policies)
        app.router.add_get("/schedules", self._schedules)
        app.router.add_get("/oncalls", self._oncalls)
        app.router.add_get("/incidents", self._list_incidents)
        app.router.add_get("/incidents/{id}", self._get_incident)
        app.router.add_post("/incidents/{id}/responder_requests", self._responder_request)
        app.router.add_get("/users", self._users)
        app.router.add_post("/incidents", self._create_incident)
        self.url = await self._server.serve(app)
        return self

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """The bot's settings for this account's REST API (pages are made as Dana)."""
        return {
            "pagerduty_api_key": self.api_key,
            "pagerduty_from_email": "dana@example.com",
            "pagerduty_api_url": self.url,
            **overrides,
        }

    async def stop(self) -> None:
        await self._server.close()

    # --- what every request must carry --------------------------------------------------------

    @web.middleware
    async def _checks(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path_qs, dict(request.headers)))
        if request.headers.get("Authorization") != f"Token token={self.api_key}":
            return _error(401, "Authentication failed", 2006)
        if request.headers.get("Accept") != ACCEPT:
            return _error(400, "Invalid Input Provided", 2001, ["Accept must ask for version 2"])
        now = time.monotonic()
        while self._sent and self._sent[0] < now - 60:
            self._sent.popleft()
        if len(self._sent) >= PER_MINUTE:
            response = _error(429, "Rate Limit Exceeded", 2020)
            response.headers.update(
                {"ratelimit-limit": str(PER_MINUTE), "ratelimit-remaining": "0", "ratelimit-reset": "30"}
            )
            return response
        self._sent.append(now)
        try:
            limit = int(request.query.get("limit", "25"))
            offset = int(request.query.get("offset", "0"))
        except ValueError:
            return _error(400, "Invalid Input Provided", 2001, ["limit and offset must be integers"])
        if limit < 1 or limit > 100 or offset < 0 or offset + limit > 10_000:
            return _error(400, "Invalid Input Provided", 2001, ["offset + limit must be at most 10000"])
        return await handler(request)

    # --- the directory --------------------------------------------------------------------------

    def _user(self, user_id: str, *, full: bool) -> dict[str, Any]:
        user = next(u for u in self.users if u.id == user_id)
        ref = {"id": user.id, "type": "user_reference", "summary": user.name}
        return {**ref, "type": "user", "name": user.name, "email": user.email} if full else ref

    def _service(self, service: PdService) -> dict[str, Any]:
        return {
            "id": service.id,
            "type": "service",
            "name": service.name,
            "summary": service.name,
            "status": "active",
            "escalation_policy": {"id": service.policy, "type": "escalation_policy_reference"},
        }

    async def _services(self, request: web.Request) -> web.Response:
        found = [self._service(s) for s in self.services if _matches(s.name, request)]
        return _page(request, "services", found)

    async def _policies(self, request: web.Request) -> web.Response:
        found = [
            {"id": p.id, "type": "escalation_policy", "name": p.name, "summary": p.name}
            for p in self.policies
            if _matches(p.name, request)
        ]
        return _page(request, "escalation_policies", found)

    async def _schedules(self, request: web.Request) -> web.Response:
        found = [
            {"id": s.id, "type": "schedule", "name": s.name, "summary": s.name}
            for s in self.schedules
            if _matches(s.name, request)
        ]
        return _page(request, "schedules", found)

    async def _oncalls(self, request: web.Request) -> web.Response:
        schedule_ids = set(request.query.getall("schedule_ids[]", []))
        policy_ids = set(request.query.getall("escalation_policy_ids[]", []))
        full = "users" in request.query.getall("include[]", [])
        rows = []
        for policy in self.policies:
            for target in policy.targets:
                schedule = next((s for s in self.schedules if s.id == target), None)
                if schedule_ids and (schedule is None or schedule.id not in schedule_ids):
                    continue
                if policy_ids and policy.id not in policy_ids:
                    continue
                user_id = schedule.on_call if schedule else target
                rows.append(
                    {
                        "user": self._user(user_id, full=full),
                        "schedule": {
                            "id": schedule.id,
                            "type": "schedule_reference",
                            "summary": schedule.name,
                        }
                        if schedule
                        else None,
                        "escalation_policy": {
                            "id": policy.id,
                            "type": "escalation_policy_reference",
                            "summary": policy.name,
                        },
                        "escalation_level": 1,
                        "start": "2026-12-01T09:00:00Z" if schedule else None,
                        "end": "2026-12-08T09:00:00Z" if schedule else None,
                    }
                )
        return _page(request, "oncalls", rows)

    # --- incidents ------------------------------------------------------------------------------

    def acknowledge(self, incident_id: str, user_id: str) -> None:
        """Someone acknowledges the incident in PagerDuty's app."""
        incident = self._by_id(incident_id)
        incident.status = "acknowledged"
        incident.acknowledged_by.append(user_id)

    def resolve(self, incident_id: str) -> None:
        self._by_id(incident_id).status = "resolved"

    def _by_id(self, incident_id: str) -> PdIncident:
        self._mirror_events()
        return next(i for i in self.incidents if i.id == incident_id)

    def _mirror_events(self) -> None:
        for alert in self.events.alerts if self.events else []:
            mirrored = next((i for i in self.incidents if i.body.get("alert") is alert), None)
            if mirrored is None:
                mirrored = PdIncident(
                    f"PI{next(self._numbers)}", 0, alert.summary, "PSVPAY1", alert.dedup_key
                )
                mirrored.number = int(mirrored.id[2:])
                mirrored.body["alert"] = alert
                self.incidents.append(mirrored)
            if alert.status == "resolved":
                mirrored.status = "resolved"

    async def _get_incident(self, request: web.Request) -> web.Response:
        self._mirror_events()
        found = next((i for i in self.incidents if i.id == request.match_info["id"]), None)
        if found is None:
            return _error(404, "Not Found", 2100)
        return web.json_response({"incident": self._incident(found)})

    def _incident(self, incident: PdIncident) -> dict[str, Any]:
        return {
            "id": incident.id,
            "type": "incident",
            "incident_number": incident.number,
            "title": incident.title,
            "summary": f"[#{incident.number}] {incident.title}",
            "status": incident.status,
            "incident_key": incident.incident_key,
            "html_url": f"https://example.pagerduty.test/incidents/{incident.id}",
            "service": {"id": incident.service, "type": "service_reference"},
            "acknowledgements": [
                {"at": "2026-12-03T10:05:00Z", "acknowledger": self._user(user, full=False)}
                for user in incident.acknowledged_by
            ],
        }

    async def _users(self, request: web.Request) -> web.Response:
        query = request.query.get("query", "").lower()
        found = [
            self._user(u.id, full=True)
            for u in self.users
            if query in u.name.lower() or query in u.email.lower()
        ]
        return _page(request, "users", found)

    async def _responder_request(self, request: web.Request) -> web.Response:
        incident = next((i for i in self.incidents if i.id == request.match_info["id"]), None)
        if incident is None:
            return _error(404, "Not Found", 2100)
        if not request.headers.get("From"):
            return _error(400, "Invalid Input Provided", 2001, ["A valid `From` header is required"])
        if not self.coordinated_responding:
            return _error(402, "Account does not have the abilities to perform the action", 2014)
        body = await request.json()  # not wrapped
        requester, message = body.get("requester_id"), body.get("message")
        targets = body.get("responder_request_targets")
        if not any(u.id == requester for u in self.users):
            return _error(
                400, "Invalid Input Provided", 2001, ["requester_id must be a user of this account"]
            )
        if not isinstance(message, str) or not isinstance(targets, list) or not targets:
            return _error(
                400, "Invalid Input Provided", 2001, ["message and responder_request_targets are required"]
            )
        for target in targets:
            inner = (target or {}).get("responder_request_target") or {}
            if inner.get("type") != "escalation_policy_reference" or not any(
                p.id == inner.get("id") for p in self.policies
            ):
                return _error(400, "Invalid Input Provided", 2001, ["unknown responder request target"])
            incident.responders.append((requester, inner["id"], message))
        return web.json_response({"responder_request": {"incident": {"id": incident.id}, "message": message}})

    async def _list_incidents(self, request: web.Request) -> web.Response:
        self._mirror_events()
        key = request.query.get("incident_key")
        services = set(request.query.getall("service_ids[]", []))
        statuses = set(request.query.getall("statuses[]", []))
        found = [
            self._incident(i)
            for i in self.incidents
            if (key is None or i.incident_key == key)
            and (not services or i.service in services)
            and (not statuses or i.status in statuses)
        ]
        return _page(request, "incidents", found)

    async def _create_incident(self, request: web.Request) -> web.Response:
        self._mirror_events()
        sender = request.headers.get("From", "")
        if not sender:
            return _error(400, "Invalid Input Provided", 2001, ["A valid `From` header is required"])
        if not any(u.email == sender for u in self.users):
            return _error(
                400, "Invalid Input Provided", 2001, ["`From` must be the e-mail of a user of this account"]
            )
        body = await request.json()
        incident = body.get("incident") if isinstance(body, dict) else None
        if not isinstance(incident, dict) or incident.get("type") != "incident":
            return _error(400, "Invalid Input Provided", 2001, ["incident.type must be 'incident'"])
        title = incident.get("title")
        if not isinstance(title, str) or not title.strip():
            return _error(400, "Invalid Input Provided", 2001, ["title is blank"])
        service = incident.get("service") or {}
        if service.get("type") != "service_reference" or not any(
            s.id == service.get("id") for s in self.services
        ):
            return _error(404, "Not Found", 5002, ["Service not found"])
        key = incident.get("incident_key")
        if key and any(
            i.incident_key == key and i.service == service["id"] and i.status != "resolved"
            for i in self.incidents
        ):
            return _error(
                400,
                "Invalid Input Provided",
                2001,
                ["Open incident with matching dedup key already exists on this service"],
            )
        made = PdIncident(
            f"PI{next(self._numbers)}", 0, title, service["id"], key, body=incident, requested_by=sender
        )
        made.number = int(made.id[2:])
        self.incidents.append(made)
        return web.json_response({"incident": self._incident(made)}, status=201)


def _matches(name: str, request: web.Request) -> bool:
    query = request.query.get("query", "").lower()
    return query in name.lower()


def _page(request: web.Request, name: str, items: list[dict[str, Any]]) -> web.Response:
    limit = int(request.query.get("limit", "25"))
    offset = int(request.query.get("offset", "0"))
    chunk = items[offset : offset + limit]
    return web.json_response(
        {name: chunk, "limit": limit, "offset": offset, "more": offset + limit < len(items), "total": None}
    )


def _error(status: int, message: str, code: int, errors: list[str] | None = None) -> web.Response:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return web.json_response({"error": body}, status=status)
