"""Signed outbound webhooks: other systems hear about incidents as they change.

Every change and every timeline entry becomes events (`incident.declared`, `incident.updated` with
the changed fields, `incident.status_changed`, `incident.severity_changed`, `incident.closed`,
`incident.reopened`, `timeline.entry_added`, `followup.created`, `followup.done`), each stored with
the change that caused it, one call per endpoint that wants it, in that endpoint's own queue: so an
endpoint hears an incident's events in order, at least once, and one endpoint being down holds up
nothing else. Bodies are `{"type", "timestamp", "data"}` with the JSON API's shapes, serialised once
when the event happens and signed per attempt the Standard Webhooks way. A failed attempt is tried
again on WEBHOOK_RETRY_SCHEDULE (or after `Retry-After`) until WEBHOOK_RETRY_FOR has passed since
the event; 410 Gone stops all sending to that URL. A private incident's events go only to
endpoints marked `private`.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from response_bot.api import (
    AgainIn,
    Call,
    EntryAdded,
    IncidentChanged,
    OutboundCall,
    format_duration,
    incident_changed,
    outbound_call,
    timeline_entry_added,
)
from response_bot.incidents.models import Incident
from response_bot.integrations.http import retry_after
from response_bot.integrations.webhook_endpoints import Endpoint
from response_bot.integrations.webhook_signing import headers
from response_bot.text import as_markup as escape
from response_bot.timeline.models import EntryKind
from response_bot.web.json_api import entry_json, followup_json, incident_json
from response_bot.webhooks.log import Attempt, DeliveryLog
from response_bot.webhooks.models import DeliveryState

DELIVER = "webhook.deliver"
# Fields whose change is an `incident.updated`; the others have events of their own, or are the
# bot's own bookkeeping (a channel, a call link, a status-page link).
UPDATED = frozenset({"title", "summary", "impact", "lead", "private"})


@dataclass(frozen=True)
class Delivery:
    schedule: tuple[float, ...]  # seconds to wait after the 1st, 2nd, … failed attempt
    give_up_after: timedelta


def message_id() -> str:
    return "msg_" + secrets.token_hex(12)


class Webhooks:
    """The webhook integration, configured at start; its methods are building blocks."""

    def __init__(
        self,
        endpoints: Sequence[Endpoint],
        http: aiohttp.ClientSession,
        log: DeliveryLog,
        delivery: Delivery,
        doc_url: Callable[[int], str],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.endpoints = {e.name: e for e in endpoints}
        self._http = http
        self._log = log
        self._delivery = delivery
        self._doc_url = doc_url
        self._clock = clock

    # --- events ----------------------------------------------------------------------------------

    @incident_changed
    async def changed(self, change: IncidentChanged) -> list[Call]:
        incident, changed = change.incident, change.changed
        events: list[tuple[str, dict[str, Any]]] = []
        if "declared" in changed:
            events.append(("incident.declared", {}))
        if "severity" in changed:
            before = change.before.get("severity")
            events.append(("incident.severity_changed", {"before": _severity(before)}))
        if "status" in changed and "closed" not in changed and "reopened" not in changed:
            before = change.before.get("status")
            events.append(("incident.status_changed", {"before": getattr(before, "value", before)}))
        if "closed" in changed:
            events.append(("incident.closed", {}))
        if "reopened" in changed:
            events.append(("incident.reopened", {}))
        updated = sorted(changed & UPDATED | {f for f in changed if f.startswith("role:")})
        if updated:
            events.append(("incident.updated", {"changed": updated}))
        return [call for kind, extra in events for call in self._calls(incident, kind, extra)]

    @timeline_entry_added
    async def entry(self, added: EntryAdded) -> list[Call]:
        incident, entry = added.incident, added.entry
        calls: list[Call] = []
        data = entry.data or {}
        if entry.kind is EntryKind.FOLLOWUP and data.get("event") in ("created", "done"):
            followup = await added.followup(int(data["followup"]))
            if followup is not None:
                kind = "followup.created" if data["event"] == "created" else "followup.done"
                calls += self._calls(incident, kind, {"followup": followup_json(followup)})
        calls += self._calls(incident, "timeline.entry_added", {"entry": entry_json(entry)})
        return calls

    def rule_calls(self, incident: Incident, rule: str, endpoint: str, why: str) -> list[Call]:
        """A `rule.fired` event for one endpoint, sent because a rule says so (none for a private
        incident unless the endpoint is marked for private incidents)."""
        chosen = self.endpoints.get(endpoint)
        if chosen is None or (incident.private and not chosen.private):
            return []
        return self._calls(incident, "rule.fired", {"rule": rule, "why": why}, only=chosen)

    def _calls(
        self, incident: Incident, kind: str, extra: dict[str, Any], *, only: Endpoint | None = None
    ) -> list[Call]:
        wanting = (
            [only]
            if only
            else [e for e in self.endpoints.values() if e.wants(kind, private=incident.private)]
        )
        if not wanting:
            return []
        now = self._clock()
        msg = message_id()
        body = json.dumps(
            {
                "type": kind,
                "timestamp": now.isoformat(),
                "data": {"incident": incident_json(incident, self._doc_url(incident.id)), **extra},
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return [
            Call(
                DELIVER,
                {"endpoint": e.name, "id": msg, "type": kind, "body": body, "at": now.isoformat()},
                what=f"the {kind} webhook to {e.name}",
                key=f"{msg}:{e.name}",
                queue=f"webhook:{e.name}",
            )
            for e in wanting
        ]

    # --- delivering ------------------------------------------------------------------------------

    @outbound_call(DELIVER)
    async def deliver(self, call: OutboundCall) -> None:
        payload = call.payload
        name = str(payload["endpoint"])
        created = datetime.fromisoformat(str(payload["at"]))
        endpoint = self.endpoints.get(name)
        attempt = Attempt(
            str(payload["id"]),
            name,
            endpoint.url if endpoint else "",
            call.incident.id,
            str(payload["type"]),
            created,
        )
        if endpoint is None:
            await self._log.skipped(attempt, "the endpoint is no longer in WEBHOOKS")
            return
        if await self._log.is_gone(name, endpoint.url):
            await self._log.skipped(
                attempt, "the endpoint answered 410 Gone earlier; nothing more is sent to it"
            )
            return
        row = await self._log.attempt(attempt)
        body = str(payload["body"]).encode()
        status, error, wait = await self._post(endpoint, attempt.message_id, body)
        if status is not None and 200 <= status < 300:
            await self._log.settle(row.id, DeliveryState.DELIVERED, status=status)
            return
        if status == 410:
            await self._log.settle(row.id, DeliveryState.GONE, status=status, error="410 Gone")
            await call.say(
                f"⚠️ Webhook endpoint '{escape(name)}' answered 410 Gone, so nothing more is sent to it "
                "until its URL changes.",
                once=f"webhook-gone:{name}",
            )
            return
        now = self._clock()
        schedule = self._delivery.schedule
        delay = wait if wait is not None else schedule[min(row.attempts, len(schedule)) - 1]
        if now + timedelta(seconds=delay) > created + self._delivery.give_up_after:
            await self._log.settle(row.id, DeliveryState.FAILED, status=status, error=error)
            await call.say(
                f"⚠️ Webhook endpoint '{escape(name)}' did not accept this incident's events within "
                f"{format_duration(self._delivery.give_up_after)} ({escape(error or 'no answer')}); "
                "they are marked failed in the delivery log (/webhooks).",
                once=f"webhook-failed:{name}",
            )
            return
        await self._log.settle(
            row.id,
            DeliveryState.PENDING,
            status=status,
            error=error,
            next_attempt_at=now + timedelta(seconds=delay),
        )
        raise AgainIn(delay)

    async def _post(
        self, endpoint: Endpoint, msg: str, body: bytes
    ) -> tuple[int | None, str | None, float | None]:
        """One signed attempt: (its status or None, what went wrong, the wait the endpoint asked for).
        Any 2xx is success; a redirect is not followed (it is a failure, like any other status)."""
        signed = headers(endpoint.secret, msg, int(time.time()), body)
        try:
            async with self._http.post(
                endpoint.url, data=body, headers=signed, allow_redirects=False
            ) as reply:
                text = (await reply.text(errors="replace"))[:200]
                wait = retry_after({k.lower(): v for k, v in reply.headers.items()})
                status = reply.status
        except TimeoutError:
            return None, "it did not answer in time", None
        except aiohttp.ClientConnectorError as error:
            return None, f"it could not be reached ({error.os_error or error})", None
        except (aiohttp.ClientError, asyncio.IncompleteReadError) as error:
            return None, f"the connection broke ({type(error).__name__})", None
        if 200 <= status < 300:
            return status, None, None
        return status, f"it answered {status}" + (f": {text.strip()}" if text.strip() else ""), wait

    async def ping(self, endpoint: Endpoint) -> tuple[int | None, str]:
        """A signed `ping` event, sent now (for `response-bot webhooks test`): its status and reply."""
        body = json.dumps(
            {"type": "ping", "timestamp": self._clock().isoformat(), "data": {"endpoint": endpoint.name}},
            separators=(",", ":"),
        ).encode()
        status, error, _ = await self._post(endpoint, message_id(), body)
        return status, error or "accepted"


def _severity(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"level": value.value, "name": value.name.lower()}
