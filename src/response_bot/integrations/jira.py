"""Jira Cloud (REST v3) as the follow-up tracker: basic auth with an account's e-mail and API token;
an issue per follow-up in JIRA_PROJECT of JIRA_ISSUE_TYPE, its description in Atlassian Document
Format linking the incident doc and channel; closed means its status is in the `done` category.

Jira has no idempotency key: each issue carries a label unique to its follow-up, and a try that may
have reached Jira (a timeout) searches for that label before filing again. Jira's search is
eventually consistent, so an issue made a moment before the search can be missed: the rare
duplicate is the documented cost (docs/integrations.md)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from response_bot.api import Refused, TryLater
from response_bot.integrations.http import Answer, send
from response_bot.integrations.tracker import Ticket, TicketRequest, TicketState

VAULT_API_TOKEN = "jira-api-token"


@dataclass(frozen=True)
class JiraConfig:
    url: str  # https://<site>.atlassian.net (or the API gateway's URL for scoped tokens)
    project: str
    issue_type: str
    email: str
    api_token: str


class Jira:
    name = "Jira"

    def __init__(self, config: JiraConfig, http: aiohttp.ClientSession) -> None:
        self.config = config
        self._http = http
        pair = f"{config.email}:{config.api_token}".encode()
        self._auth = "Basic " + base64.b64encode(pair).decode()

    async def _send(self, method: str, path: str, body: Any = None) -> Answer:
        return await send(
            self._http,
            "Jira",
            method,
            f"{self.config.url}/rest/api/3{path}",
            json_body=body,
            headers={"Authorization": self._auth, "Accept": "application/json"},
        )

    async def create(self, request: TicketRequest, *, maybe_sent: bool) -> Ticket:
        if maybe_sent:
            found = await self._labelled(request.tag)
            if found is not None:
                return found
        fields = {
            "project": {"key": self.config.project},
            "issuetype": {"name": self.config.issue_type},
            "summary": request.summary,
            "labels": ["incident", f"incident-{request.incident_id}", request.tag],
            "description": _description(request),
        }
        answer = await self._send("POST", "/issue", {"fields": fields})
        if answer.status != 201 or not isinstance(answer.body, dict) or "key" not in answer.body:
            raise Refused(_refusal("file the follow-up", answer, self.config))
        return self._ticket(answer.body)

    def _ticket(self, body: dict[str, Any]) -> Ticket:
        key = str(body["key"])
        return Ticket(str(body.get("id") or key), key, f"{self.config.url}/browse/{quote(key)}")

    async def _labelled(self, tag: str) -> Ticket | None:
        """The issue an earlier try made, found by its label (None if search can't see one yet)."""
        answer = await self._send(
            "POST",
            "/search/jql",
            {"jql": f'labels = "{tag}" ORDER BY created ASC', "fields": ["summary"], "maxResults": 1},
        )
        issues = answer.body.get("issues") if answer.ok and isinstance(answer.body, dict) else None
        return self._ticket(issues[0]) if issues else None

    async def state(self, ticket_id: str) -> TicketState | None:
        answer = await self._send("GET", f"/issue/{quote(ticket_id)}?fields=status")
        if answer.status == 404:
            return None
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise Refused(_refusal("say how the ticket is", answer, self.config))
        status = (answer.body.get("fields") or {}).get("status") or {}
        category = str((status.get("statusCategory") or {}).get("key") or "")
        return TicketState(closed=category == "done", name=str(status.get("name") or category or "?"))

    async def check(self) -> str | None:
        try:
            answer = await self._send("GET", f"/project/{quote(self.config.project)}")
        except TryLater as error:
            return f"Jira: {error.reason.removeprefix('not sent: ')}"
        if answer.status != 200 or not isinstance(answer.body, dict):
            return _refusal("show the project", answer, self.config)
        types = [str(t.get("name")) for t in answer.body.get("issueTypes") or []]
        if types and self.config.issue_type not in types:
            return (
                f"Jira project {self.config.project} has no issue type '{self.config.issue_type}' "
                f"(JIRA_ISSUE_TYPE): it has {', '.join(types)}"
            )
        return None


def _description(request: TicketRequest) -> dict[str, Any]:
    """The issue's description in Atlassian Document Format (v3 takes nothing else)."""

    def text(value: str, href: str | None = None) -> dict[str, Any]:
        node: dict[str, Any] = {"type": "text", "text": value}
        if href:
            node["marks"] = [{"type": "link", "attrs": {"href": href}}]
        return node

    def paragraph(*nodes: dict[str, Any]) -> dict[str, Any]:
        return {"type": "paragraph", "content": list(nodes)}

    links = [text("Incident doc", request.doc_url)]
    if request.channel_url:
        links += [text(" · "), text("Slack channel", request.channel_url)]
    facts = []
    if request.owner:
        facts.append(f"Owner: {request.owner}")
    if request.due_on:
        facts.append(f"Due: {request.due_on.isoformat()}")
    content = [
        paragraph(text(request.text)),
        paragraph(text(f"Follow-up from Incident {request.incident_id}: {request.incident_title}")),
    ]
    if facts:
        content.append(paragraph(text(" · ".join(facts))))
    content.append(paragraph(*links))
    return {"type": "doc", "version": 1, "content": content}


def _refusal(what: str, answer: Answer, config: JiraConfig) -> str:
    body = answer.body if isinstance(answer.body, dict) else {}
    said = [str(m) for m in body.get("errorMessages") or []]
    said += [f"{field}: {message}" for field, message in (body.get("errors") or {}).items()]
    if not said and isinstance(answer.body, str) and answer.body.strip():
        said = [answer.body.strip()[:200]]
    reason = "; ".join(said) or f"it answered {answer.status}"
    hint = ""
    if answer.status == 401:
        hint = f" Check JIRA_EMAIL and JIRA_API_TOKEN (or the '{VAULT_API_TOKEN}' secret)."
    elif answer.status in (403, 404):
        hint = f" Check that JIRA_PROJECT {config.project} exists and {config.email} may create issues in it."
    elif answer.status == 400:
        hint = " Check JIRA_ISSUE_TYPE and the project's required fields."
    return f"Jira refused to {what} ({reason}).{hint}"
