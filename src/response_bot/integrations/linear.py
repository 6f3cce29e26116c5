"""Linear (GraphQL) as the follow-up tracker: a personal API key sent bare in `Authorization`; an
issue per follow-up in LINEAR_TEAM_ID with a Markdown description linking the incident doc and
channel; closed means its workflow state's type is completed, canceled or duplicate.

`issueCreate` takes a client-chosen `id`: the bot derives it from the follow-up, so a try that may
have reached Linear first asks for that id and files again only if Linear has no such issue. A
200 can carry `errors`; rate limiting comes as HTTP 400 (or 429) with the code RATELIMITED."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp

from response_bot.api import Refused, TryLater
from response_bot.integrations.http import Answer, retry_after, send
from response_bot.integrations.tracker import Ticket, TicketRequest, TicketState

VAULT_API_KEY = "linear-api-key"
CLOSED_TYPES = frozenset({"completed", "canceled", "duplicate"})

CREATE = """mutation FollowUpCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { id identifier url } }
}"""
STATE = """query FollowUpState($id: String!) {
  issue(id: $id) { id identifier url state { type name } }
}"""
TEAM = """query FollowUpTeam($id: String!) { team(id: $id) { id key name } }"""


@dataclass(frozen=True)
class LinearConfig:
    team_id: str
    api_key: str
    api_url: str = "https://api.linear.app/graphql"


class Linear:
    name = "Linear"

    def __init__(self, config: LinearConfig, http: aiohttp.ClientSession) -> None:
        self.config = config
        self._http = http

    async def _ask(self, operation: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """`data` of one GraphQL operation; rate limiting is `TryLater`, other errors `Refused`
        (an issue Linear can't find is `data` with the issue missing)."""
        authorization = self.config.api_key
        answer = await send(
            self._http,
            "Linear",
            "POST",
            self.config.api_url,
            json_body={"query": query, "variables": variables, "operationName": operation},
            headers={"Authorization": authorization},
        )
        body = answer.body if isinstance(answer.body, dict) else {}
        errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
        if any(_code(e) == "ratelimited" for e in errors):
            raise TryLater("Linear is limiting our rate", retry_after=retry_after(answer.headers))
        if errors and all(_not_found(e) for e in errors):
            return {}
        if errors or answer.status != 200 or not isinstance(body.get("data"), dict):
            raise Refused(_refusal(answer, errors))
        data: dict[str, Any] = body["data"]
        return data

    async def create(self, request: TicketRequest, *, maybe_sent: bool) -> Ticket:
        issue_id = issue_id_for(request.tag)
        if maybe_sent:
            found = (await self._ask("FollowUpState", STATE, {"id": issue_id})).get("issue")
            if found:
                return _ticket(found)
        fields: dict[str, Any] = {
            "id": issue_id,
            "teamId": self.config.team_id,
            "title": request.summary,
            "description": _description(request),
        }
        if request.due_on is not None:
            fields["dueDate"] = request.due_on.isoformat()
        made = (await self._ask("FollowUpCreate", CREATE, {"input": fields})).get("issueCreate") or {}
        if not made.get("success") or not made.get("issue"):
            raise Refused("Linear did not file the follow-up (it answered without an issue).")
        return _ticket(made["issue"])

    async def state(self, ticket_id: str) -> TicketState | None:
        found = (await self._ask("FollowUpState", STATE, {"id": ticket_id})).get("issue")
        if not found:
            return None
        state = found.get("state") or {}
        kind = str(state.get("type") or "")
        return TicketState(closed=kind in CLOSED_TYPES, name=str(state.get("name") or kind or "?"))

    async def check(self) -> str | None:
        try:
            team = (await self._ask("FollowUpTeam", TEAM, {"id": self.config.team_id})).get("team")
        except TryLater as error:
            return f"Linear: {error.reason.removeprefix('not sent: ')}"
        except Refused as error:
            return str(error)
        if not team:
            return f"Linear has no team {self.config.team_id} that this key can see (LINEAR_TEAM_ID)"
        return None


def issue_id_for(tag: str) -> str:
    """The UUID (version 4 in form) the follow-up's Linear issue gets: the same on every try."""
    return str(uuid.UUID(bytes=hashlib.sha256(tag.encode()).digest()[:16], version=4))


def _ticket(issue: dict[str, Any]) -> Ticket:
    key = str(issue.get("identifier") or issue["id"])
    return Ticket(str(issue["id"]), key, str(issue.get("url") or ""))


def _description(request: TicketRequest) -> str:
    lines = [
        request.text,
        "",
        f"Follow-up from **Incident {request.incident_id}**: {request.incident_title}",
    ]
    if request.owner:
        lines.append(f"Owner: {request.owner}")
    links = [f"[Incident doc]({request.doc_url})"]
    if request.channel_url:
        links.append(f"[Slack channel]({request.channel_url})")
    return "\n".join([*lines, "", " · ".join(links)])


def _code(error: dict[str, Any]) -> str:
    extensions = error.get("extensions") or {}
    return str(extensions.get("code") or extensions.get("type") or "").lower()


def _not_found(error: dict[str, Any]) -> bool:
    return "not found" in str(error.get("message") or "").lower()


def _refusal(answer: Answer, errors: list[dict[str, Any]]) -> str:
    said = [
        str((e.get("extensions") or {}).get("userPresentableMessage") or e.get("message") or "")
        for e in errors
    ]
    reason = "; ".join(s for s in said if s) or f"it answered {answer.status}"
    hint = ""
    if answer.status in (401, 403) or any(_code(e) in ("authentication error", "forbidden") for e in errors):
        hint = f" Check LINEAR_API_KEY (or the '{VAULT_API_KEY}' secret): a personal API key, lin_api_…"
    elif any(_code(e) in ("invalid input", "user error") for e in errors):
        hint = " Check LINEAR_TEAM_ID."
    return f"Linear refused it ({reason}).{hint}"
