"""A call for the war room: a fixed link, a link from a template, or a Zoom meeting per incident.

A fixed or templated link is known when the incident is declared, so the headline, the welcome
message and the channel's bookmarks show it from the start. A Zoom meeting is made afterwards
through the outbox (Server-to-Server OAuth, then `POST /users/me/meetings`); it never holds up the
declaration, and when it is ready the headline gains it and the channel is told. Zoom's host link
(`start_url`) is never posted.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from response_bot.api import (
    Call,
    Incident,
    IncidentChanged,
    OutboundCall,
    Refused,
    TryLater,
    incident_changed,
    outbound_call,
)
from response_bot.integrations.http import Answer, send
from response_bot.slack.channel.naming import slug

MEETING = "zoom.meeting"
VAULT_CLIENT_ID = "zoom-client-id"
VAULT_CLIENT_SECRET = "zoom-client-secret"
TOPIC_MAX = 200  # Zoom's limit on a meeting's topic
# A token is used until this long before Zoom said it expires.
TOKEN_MARGIN = 60.0


def template_link(fixed: str, template: str) -> Callable[[Incident], str | None] | None:
    """The call link for a new incident from CONFERENCE_URL or CONFERENCE_URL_TEMPLATE (None: neither)."""
    if fixed:
        return lambda incident: fixed
    if template:
        # {token} makes a room nobody can guess from the incident's number (Jitsi makes rooms on visit).
        return lambda incident: template.format(
            id=incident.id, slug=slug(incident.title) or "incident", token=secrets.token_hex(6)
        )
    return None


@dataclass(frozen=True)
class ZoomConfig:
    account_id: str
    client_id: str
    client_secret: str
    api_url: str = "https://api.zoom.us/v2"
    oauth_url: str = "https://zoom.us/oauth/token"


class Zoom:
    """A Zoom meeting for each incident, made through the outbox; its methods are building blocks."""

    def __init__(self, config: ZoomConfig, http: aiohttp.ClientSession) -> None:
        self.config = config
        self._http = http
        self._token = ""
        self._token_until = 0.0

    @incident_changed
    async def meeting_for_a_new_incident(self, change: IncidentChanged) -> list[Call]:
        if "declared" not in change.changed:
            return []
        return [Call(MEETING, what="making the Zoom meeting", key=f"{MEETING}:{change.incident.id}")]

    @outbound_call(MEETING)
    async def make_meeting(self, call: OutboundCall) -> None:
        incident = call.incident
        if incident.call_url:
            return
        # Zoom has no idempotency key: a retry after a lost answer can make a second meeting, which
        # nobody is sent to (only the first link that is stored is ever shown).
        answer = await send(
            self._http,
            "Zoom",
            "POST",
            f"{self.config.api_url}/users/me/meetings",
            json_body=self._meeting(incident, call.doc_url),
            headers={"Authorization": f"Bearer {await self._access_token()}"},
        )
        if answer.status == 401:
            self._token, self._token_until = "", 0.0
            raise TryLater("Zoom did not accept its access token (it expires hourly); getting a new one")
        if answer.status != 201:
            raise Refused(_refusal("make the meeting", answer))
        join_url = str((answer.body or {}).get("join_url") or "")
        if not join_url.startswith("https://"):
            raise Refused("Zoom made the meeting but gave no join link; nobody was told a link")
        await call.set_call_link(join_url)
        await call.record("Made a Zoom meeting for the incident", {"meeting": (answer.body or {}).get("id")})

    def _meeting(self, incident: Incident, doc_url: str) -> dict[str, Any]:
        topic = f"Incident {incident.id}" if incident.private else f"Incident {incident.id}: {incident.title}"
        return {
            "topic": topic[:TOPIC_MAX],
            "type": 2,  # scheduled, starting now, with join-before-host: anyone can open the room
            "timezone": "UTC",
            "agenda": "" if incident.private else doc_url,
            "settings": {"join_before_host": True, "waiting_room": False, "jbh_time": 0},
        }

    async def _access_token(self) -> str:
        if self._token and time.monotonic() < self._token_until:
            return self._token
        query = urlencode({"grant_type": "account_credentials", "account_id": self.config.account_id})
        basic = base64.b64encode(f"{self.config.client_id}:{self.config.client_secret}".encode()).decode()
        answer = await send(
            self._http,
            "Zoom",
            "POST",
            f"{self.config.oauth_url}?{query}",
            headers={"Authorization": f"Basic {basic}"},
        )
        body = answer.body if isinstance(answer.body, dict) else {}
        if answer.status != 200 or not body.get("access_token"):
            reason = body.get("reason") or body.get("error") or f"it answered {answer.status}"
            raise Refused(
                f"Zoom refused the app's credentials ({reason}). Check ZOOM_ACCOUNT_ID and the "
                f"'{VAULT_CLIENT_ID}' and '{VAULT_CLIENT_SECRET}' secrets (or ZOOM_CLIENT_ID and "
                "ZOOM_CLIENT_SECRET) against the Server-to-Server OAuth app in Zoom's App Marketplace."
            )
        self._token = str(body["access_token"])
        self._token_until = time.monotonic() + float(body.get("expires_in", 3600)) - TOKEN_MARGIN
        return self._token

    async def check(self) -> str | None:
        """For `response-bot check`: get a token (one cheap authenticated call); what is wrong, if
        anything."""
        try:
            await self._access_token()
        except Refused as error:
            return str(error)
        except TryLater as error:
            return error.reason.removeprefix("not sent: ")
        return None


def _refusal(what: str, answer: Answer) -> str:
    body = answer.body if isinstance(answer.body, dict) else {}
    code, message = body.get("code"), body.get("message") or f"it answered {answer.status}"
    hint = (
        " The app needs the meeting:write scope (App Marketplace → your app → Scopes)."
        if code == 4711
        else ""
    )
    return f"Zoom refused to {what} ({message}).{hint} The incident has no call link."
