"""PagerDuty's REST API v2, as far as the bot reads it: schedules, escalation policies, services and
who is on call. Reads answer a person at once; anything wrong becomes words they can act on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from response_bot.api import CommandError, Refused, TryLater
from response_bot.integrations.http import Answer, send

ACCEPT = "application/vnd.pagerduty+json;version=2"
VAULT_API_KEY = "pagerduty-api-key"
PAGE_SIZE = 100
PLURAL = {"schedule": "schedules", "escalation_policy": "escalation_policies", "service": "services"}


@dataclass(frozen=True)
class RestConfig:
    api_key: str
    from_email: str
    api_url: str = "https://api.pagerduty.com"
    default_schedule: str = ""
    poll_seconds: float = 60.0


@dataclass(frozen=True)
class OnCall:
    name: str
    email: str
    level: int
    schedule: str | None  # None: targeted directly by the escalation policy (always on call)
    until: str | None


@dataclass(frozen=True)
class Target:
    """A schedule or an escalation policy, found by name."""

    kind: str  # "schedule" | "escalation_policy"
    id: str
    name: str


class PagerDutyRest:
    def __init__(self, config: RestConfig, http: aiohttp.ClientSession) -> None:
        self.config = config
        self.http = http
        self._requester = ""

    def headers(self, *, writing: bool = False) -> dict[str, str]:
        headers = {"Authorization": f"Token token={self.config.api_key}", "Accept": ACCEPT}
        if writing:
            headers["From"] = self.config.from_email
        return headers

    async def read(self, path: str, params: list[tuple[str, str]] | None = None) -> Answer:
        """One read; `TryLater` for what is worth trying again, any other answer as it came."""
        query = f"?{urlencode(params)}" if params else ""
        url = f"{self.config.api_url}{path}{query}"
        return await send(self.http, "PagerDuty", "GET", url, headers=self.headers())

    async def requester_id(self) -> str:
        """The PagerDuty user id of PAGERDUTY_FROM_EMAIL (a responder request names its requester)."""
        if not self._requester:
            answer = await self.read("/users", [("query", self.config.from_email), ("limit", str(PAGE_SIZE))])
            if answer.status != 200 or not isinstance(answer.body, dict):
                raise Refused(refusal("look up PAGERDUTY_FROM_EMAIL", answer))
            wanted = self.config.from_email.lower()
            users = [u for u in answer.body.get("users", []) if str(u.get("email", "")).lower() == wanted]
            if not users:
                raise Refused(
                    "PagerDuty has no user with PAGERDUTY_FROM_EMAIL's address; use a user of the account."
                )
            self._requester = str(users[0]["id"])
        return self._requester

    async def get(self, path: str, params: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        """One read, for a person waiting: what goes wrong is a `CommandError` in plain words."""
        try:
            answer = await self.read(path, params)
        except TryLater as error:
            raise CommandError(f"{error.reason.removeprefix('not sent: ')}; try again in a moment.") from None
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise CommandError(refusal("read from PagerDuty", answer))
        return answer.body

    async def find(self, kinds: tuple[str, ...], name: str) -> Target:
        """A schedule or escalation policy (in the order of `kinds`) called `name`: exactly, in any
        case, or the only one whose name contains it."""
        wanted = name.strip().lower()
        seen: list[str] = []
        for kind in kinds:
            plural = PLURAL[kind]
            items = (await self.get(f"/{plural}", [("query", name.strip()), ("limit", str(PAGE_SIZE))])).get(
                plural, []
            )
            exact = [i for i in items if str(i.get("name", "")).lower() == wanted]
            close = exact or [i for i in items if wanted in str(i.get("name", "")).lower()]
            if len(close) == 1:
                return Target(kind, str(close[0]["id"]), str(close[0]["name"]))
            seen += [str(i.get("name")) for i in close]
        if seen:
            raise CommandError(
                f"More than one matches “{name}”: {', '.join(sorted(set(seen))[:10])}. Say which."
            )
        what = " or ".join(k.replace("_", " ") for k in kinds)
        raise CommandError(f"PagerDuty has no {what} called “{name}”.")

    async def pageable(self) -> list[Target]:
        """The services and escalation policies a page can go to (the first hundred of each, by name)."""
        found: list[Target] = []
        for kind in ("service", "escalation_policy"):
            plural = PLURAL[kind]
            body = await self.get(f"/{plural}", [("limit", str(PAGE_SIZE)), ("sort_by", "name")])
            found += [Target(kind, str(i["id"]), str(i.get("name") or i["id"])) for i in body.get(plural, [])]
        return found

    async def service_for(self, policy_id: str) -> str | None:
        """A service that escalates to this policy (a page needs a service to be made on)."""
        body = await self.get("/services", [("limit", str(PAGE_SIZE))])
        for service in body.get("services", []):
            if (service.get("escalation_policy") or {}).get("id") == policy_id:
                return str(service["id"])
        return None

    async def on_call(self, target: Target) -> list[OnCall]:
        """Who is on call now for a schedule or an escalation policy, first responders first."""
        ids = "schedule_ids[]" if target.kind == "schedule" else "escalation_policy_ids[]"
        body = await self.get(
            "/oncalls",
            [(ids, target.id), ("include[]", "users"), ("earliest", "true"), ("limit", str(PAGE_SIZE))],
        )
        people: dict[str, OnCall] = {}
        for row in sorted(body.get("oncalls", []), key=lambda r: int(r.get("escalation_level") or 99)):
            user = row.get("user") or {}
            user_id = str(user.get("id", ""))
            if not user_id or user_id in people:
                continue
            schedule = row.get("schedule") or None  # a user the policy targets directly has none
            people[user_id] = OnCall(
                name=str(user.get("name") or user.get("summary") or user_id),
                email=str(user.get("email") or ""),
                level=int(row.get("escalation_level") or 1),
                schedule=str(schedule.get("summary")) if schedule else None,
                until=str(row["end"]) if row.get("end") else None,
            )
        return list(people.values())

    # --- for outbound calls: what goes wrong is `Refused` (or `TryLater`, from `send`) ----------

    async def write(self, path: str, body: Any) -> Answer:
        """One POST with the From header PagerDuty requires on writes."""
        url = f"{self.config.api_url}{path}"
        return await send(
            self.http, "PagerDuty", "POST", url, json_body=body, headers=self.headers(writing=True)
        )

    async def create_incident(self, incident: dict[str, Any], name: str) -> dict[str, Any]:
        """A PagerDuty incident; one already open with the same key on the service is the one made
        (a retry whose answer was lost, or the same target paged twice)."""
        answer = await self.write("/incidents", {"incident": incident})
        if answer.status == 201:
            return dict((answer.body or {}).get("incident") or {})
        if answer.status == 400 and "dedup key" in str(answer.body):
            return await self.open_incident(str(incident["incident_key"]), str(incident["service"]["id"]))
        raise Refused(refusal(f"page {name}", answer))

    async def service_escalating_to(self, policy_id: str, name: str) -> str:
        """A service whose escalation policy this is (a page is made on a service)."""
        try:
            service = await self.service_for(policy_id)
        except CommandError as error:
            raise Refused(error.message) from None
        if service is None:
            raise Refused(f"No PagerDuty service escalates to {name}, and a page must be made on a service.")
        return service

    async def made_incident(self, which: Any) -> dict[str, Any] | None:
        """The PagerDuty incident a page made: by its id, or by the events' dedup key (None: not yet)."""
        if which.get("id"):
            answer = await self.read(f"/incidents/{which['id']}")
        else:
            answer = await self.read("/incidents", [("incident_key", str(which.get("incident_key")))])
        if answer.status == 404:
            return None
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise Refused(refusal("say what happened to the page", answer))
        if "incident" in answer.body:
            return dict(answer.body["incident"])
        incidents = answer.body.get("incidents") or []
        return dict(incidents[-1]) if incidents else None

    async def open_incident(self, key: str, service_id: str | None) -> dict[str, Any]:
        """The open PagerDuty incident with this key (on this service, or on any), or {}."""
        params = [("incident_key", key), ("statuses[]", "triggered"), ("statuses[]", "acknowledged")]
        if service_id:
            params.append(("service_ids[]", service_id))
        answer = await self.read("/incidents", params)
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise Refused(refusal("find the incident it paged", answer))
        incidents = answer.body.get("incidents") or []
        return dict(incidents[0]) if incidents else {}

    async def add_responders(self, incident: dict[str, Any], policy_id: str, name: str, message: str) -> None:
        """A responder request for an escalation policy on an open PagerDuty incident. PagerDuty has no
        idempotency key for these: a retry after a lost answer may ask the policy twice."""
        body = {
            "requester_id": await self.requester_id(),
            "message": message[:1000] or "Please join",
            "responder_request_targets": [
                {"responder_request_target": {"id": policy_id, "type": "escalation_policy_reference"}}
            ],
        }
        answer = await self.write(f"/incidents/{incident['id']}/responder_requests", body)
        if answer.status == 402:
            raise Refused(
                f"PagerDuty won't add {name} as responders: the account's plan doesn't include adding "
                "responders. Page a service instead."
            )
        if answer.status not in (200, 201):
            raise Refused(refusal(f"add {name} as responders", answer))


async def check(rest: PagerDutyRest) -> str | None:
    """For `response-bot check`: one cheap authenticated read; what is wrong, if anything."""
    try:
        await rest.get("/schedules", [("limit", "1")])
    except CommandError as error:
        return error.message
    return None


def refusal(what: str, answer: Answer) -> str:
    """PagerDuty's `{"error": {"message", "code", "errors"}}`, said with what to check."""
    error = (answer.body or {}).get("error") if isinstance(answer.body, dict) else None
    error = error if isinstance(error, dict) else {}
    message = str(error.get("message") or f"it answered {answer.status}")
    details = [str(e) for e in error.get("errors") or [] if e]
    said = f"{message}: {'; '.join(details)}" if details else message
    if answer.status == 401:
        hint = (
            f" Check PAGERDUTY_API_KEY (or the '{VAULT_API_KEY}' secret): "
            "a REST API key, not an integration key."
        )
    elif answer.status == 403:
        hint = " The API key may not do this; a read-only key cannot page."
    elif "From" in said:
        hint = " Check PAGERDUTY_FROM_EMAIL: the e-mail of a user of your PagerDuty account."
    else:
        hint = ""
    return f"PagerDuty refused to {what.removesuffix(' from PagerDuty')} ({said}).{hint}"
