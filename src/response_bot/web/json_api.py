"""The read-only JSON API under /api/v1, for dashboards and reporting; bearer tokens from API_TOKENS.

Tokens are service credentials, not people, so they see public incidents only.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web

from response_bot.followups.models import FollowUp
from response_bot.incidents.errors import IncidentNotFound
from response_bot.incidents.models import Incident
from response_bot.incidents.queries import IncidentQueries
from response_bot.timeline.models import TimelineEntry
from response_bot.users.models import User
from response_bot.web.access import Access, filters_from, incident_id
from response_bot.web.auth import Viewer
from response_bot.webhooks.log import DeliveryLog
from response_bot.webhooks.models import WebhookDelivery

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SERVICE = Viewer(None)


def _user(user: User | None) -> dict[str, str] | None:
    return None if user is None else {"id": user.slack_id, "name": user.label}


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def incident_json(incident: Incident, doc_url: str) -> dict[str, Any]:
    return {
        "id": incident.id,
        "title": incident.title,
        "private": incident.private,
        "drill": incident.drill,
        "status": incident.status.value,
        "severity": (
            {"level": incident.severity.value, "name": incident.severity.name.lower()}
            if incident.severity
            else None
        ),
        "summary": incident.summary,
        "impact": incident.impact,
        "reporter": _user(incident.reporter),
        "lead": _user(incident.lead),
        "roles": {role: _user(user) for role, user in sorted(incident.holders.items())},
        "declared_at": _time(incident.declared_at),
        "started_at": _time(incident.started_at),
        "resolved_at": _time(incident.resolved_at),
        "duration_seconds": int(incident.duration().total_seconds()),
        "channel": {"id": incident.channel_id, "name": incident.channel_name}
        if incident.channel_id
        else None,
        "doc_url": doc_url,
    }


def entry_json(entry: TimelineEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "kind": entry.kind.value,
        "occurred_at": _time(entry.occurred_at),
        "author": _user(entry.author),
        "text": entry.text,
        "permalink": entry.permalink,
        "edited_at": _time(entry.edited_at),
        "deleted": entry.deleted_at is not None,
    }


def followup_json(followup: FollowUp) -> dict[str, Any]:
    return {
        "id": followup.id,
        "text": followup.text,
        "created_by": _user(followup.created_by),
        "created_at": _time(followup.created_at),
        "owner": _user(followup.owner) if followup.owner else None,
        "due_on": followup.due_on.isoformat() if followup.due_on else None,
        "done": followup.done,
        "done_at": _time(followup.done_at) if followup.done_at else None,
        "ticket": {"key": followup.ticket_key, "url": followup.ticket_url} if followup.ticket_url else None,
    }


def delivery_json(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.message_id,
        "endpoint": delivery.endpoint,
        "event_type": delivery.event_type,
        "incident_id": delivery.incident_id,
        "state": delivery.state.value,
        "attempts": delivery.attempts,
        "created_at": _time(delivery.created_at),
        "last_attempt_at": _time(delivery.last_attempt_at),
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "next_attempt_at": _time(delivery.next_attempt_at) if delivery.state.value == "pending" else None,
        "delivered_at": _time(delivery.delivered_at),
    }


class JsonApi:
    def __init__(
        self,
        queries: IncidentQueries,
        access: Access,
        tokens: Sequence[str],
        doc_url: Callable[[int], str],
        deliveries: DeliveryLog | None = None,
        insights: Handler | None = None,
    ) -> None:
        self._deliveries = deliveries
        self._insights = insights
        self._queries = queries
        self._access = access
        self._tokens = [t.encode() for t in tokens]
        self._doc_url = doc_url

    @property
    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api/v1/incidents", self._guard(self.incidents)),
            web.get(r"/api/v1/incidents/{incident_id:\d+}", self._guard(self.incident)),
            web.get(r"/api/v1/incidents/{incident_id:\d+}/timeline", self._guard(self.timeline)),
            web.get(r"/api/v1/incidents/{incident_id:\d+}/followups", self._guard(self.followups)),
            # The first name of the same list, kept so that dashboards built on it keep working.
            web.get(r"/api/v1/incidents/{incident_id:\d+}/actions", self._guard(self.followups)),
            web.get("/api/v1/webhooks/deliveries", self._guard(self.webhook_deliveries)),
            *([web.get("/api/v1/insights", self._guard(self._insights))] if self._insights else []),
        ]

    def _guard(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            given = request.headers.get("Authorization", "")
            token = given[7:].strip().encode() if given.lower().startswith("bearer ") else b""
            if not self._tokens:
                return web.json_response({"error": "the API is off: set API_TOKENS"}, status=401)
            if not token or not any(hmac.compare_digest(token, known) for known in self._tokens):
                return web.json_response(
                    {"error": "a valid bearer token is required"},
                    status=401,
                    headers={"WWW-Authenticate": 'Bearer realm="response"'},
                )
            try:
                return await handler(request)
            except IncidentNotFound as error:
                return web.json_response({"error": error.message}, status=404)

        return guarded

    async def incidents(self, request: web.Request) -> web.Response:
        filters = filters_from(request.query)
        page = await self._queries.search(filters)
        return web.json_response(
            {
                "items": [incident_json(i, self._doc_url(i.id)) for i in page.items],
                "page": filters.page,
                "per_page": filters.per_page,
                "total": page.total,
            }
        )

    async def incident(self, request: web.Request) -> web.Response:
        record = await self._access.record(SERVICE, incident_id(request))
        return web.json_response(incident_json(record.incident, self._doc_url(record.incident.id)))

    async def timeline(self, request: web.Request) -> web.Response:
        record = await self._access.record(SERVICE, incident_id(request))
        return web.json_response({"items": [entry_json(e) for e in record.entries]})

    async def webhook_deliveries(self, request: web.Request) -> web.Response:
        """The latest webhook deliveries (public incidents' only: tokens are not people)."""
        if self._deliveries is None:
            return web.json_response({"items": []})
        try:
            limit = min(max(int(request.query.get("limit", "100")), 1), 500)
        except ValueError:
            return web.json_response({"error": "limit must be a number from 1 to 500"}, status=400)
        rows = await self._deliveries.recent((), limit=limit)
        return web.json_response({"items": [delivery_json(d) for d in rows]})

    async def followups(self, request: web.Request) -> web.Response:
        record = await self._access.record(SERVICE, incident_id(request))
        return web.json_response({"items": [followup_json(f) for f in record.followups]})
