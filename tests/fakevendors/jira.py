"""A fake Jira Cloud REST v3 on loopback, as strict as the real one where the bot touches it.

What it enforces (Jira's OpenAPI, see `../shared/reference/integrations-notes.md` §4): basic auth
with the account's e-mail and API token (401 otherwise); `fields.project` by key or id and
`fields.issuetype` by name or id, both known (400 `ErrorCollection`); a non-empty one-line
`summary` under 255 characters; `description` only as an Atlassian Document Format `doc`; labels
without spaces; any other field is "not on the appropriate screen" (400). A missing issue and one
the account can't see are the same 404. `/rest/api/3/search` is gone (410); `/search/jql` answers,
but only for issues older than `search_lag` seconds (Jira's search is eventually consistent).
`rate_limit(n)` answers the next n requests 429 with `Retry-After` and the `X-RateLimit-*` headers.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakevendors.loopback import Loopback

CATEGORIES = {
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "indeterminate": {"id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"},
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}
SETTABLE = {"project", "issuetype", "summary", "description", "labels"}
MISSING = "Issue does not exist or you do not have permission to see it."


@dataclass
class Issue:
    id: str
    key: str
    fields: dict[str, Any]
    created: float
    status: str = "To Do"
    category: str = "new"
    labels: list[str] = field(default_factory=list)


class FakeJira:
    def __init__(
        self, email: str = "bot@example.com", token: str = "jira-token-1", project: str = "OPS"
    ) -> None:
        self.email, self.token, self.project = email, token, project
        self.project_id = "10000"
        self.issue_types = {"10001": "Task", "10002": "Bug"}
        self.issues: list[Issue] = []
        self.requests: list[tuple[str, str]] = []
        self.search_lag = 0.0
        self.stalls: dict[str, float] = {}  # "METHOD path-prefix" -> seconds: acted on, then answered late
        self._limited = 0
        self._retry_after = 1
        self._ids = itertools.count(10057)
        self._numbers = itertools.count(311)
        self._server = Loopback()
        self.url = ""

    async def start(self) -> FakeJira:
        app = web.Application(middlewares=[self._checks])
        app.router.add_post("/rest/api/3/issue", self._create)
        app.router.add_get("/rest/api/3/issue/{key}", self._get)
        app.router.add_get("/rest/api/3/project/{key}", self._project)
        app.router.add_post("/rest/api/3/search/jql", self._search)
        app.router.add_route("*", "/rest/api/3/search", self._gone)
        self.url = await self._server.serve(app)
        return self

    async def stop(self) -> None:
        await self._server.close()

    # --- what tests do --------------------------------------------------------------------------

    def rate_limit(self, requests: int, retry_after: int = 1) -> None:
        self._limited, self._retry_after = requests, retry_after

    def transition(self, key: str, status: str, category: str) -> None:
        issue = self.issue(key)
        issue.status, issue.category = status, category

    def issue(self, key: str) -> Issue:
        return next(i for i in self.issues if i.key == key)

    def created(self) -> list[Issue]:
        return list(self.issues)

    # --- the API ---------------------------------------------------------------------------------

    @web.middleware
    async def _checks(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path_qs))
        expected = "Basic " + base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            # Jira answers some auth failures in plain text, not JSON.
            return web.Response(status=401, text="Client must be authenticated to access this resource.")
        if self._limited:
            self._limited -= 1
            reset = time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(time.time() + self._retry_after + 60))
            return web.json_response(
                {"errorMessages": ["Rate limit exceeded."], "errors": {}},
                status=429,
                headers={
                    "Retry-After": str(self._retry_after),
                    "X-RateLimit-Reset": reset,
                    "X-RateLimit-Limit": "100",
                    "X-RateLimit-Remaining": "0",
                    "RateLimit-Reason": "jira-burst-based",
                },
            )
        answer = await handler(request)
        for prefix, seconds in list(self.stalls.items()):
            method, _, path = prefix.partition(" ")
            if request.method == method and request.path.startswith(path):
                del self.stalls[prefix]
                await asyncio.sleep(seconds)  # done, but the bot hears only after its timeout
        return answer

    @staticmethod
    def _errors(status: int, messages: list[str] | None = None, **fields: str) -> web.Response:
        return web.json_response({"errorMessages": messages or [], "errors": fields}, status=status)

    def _type_known(self, issuetype: Any) -> bool:
        if not isinstance(issuetype, dict):
            return False
        if "id" in issuetype:
            return issuetype["id"] in self.issue_types
        return issuetype.get("name") in self.issue_types.values()

    async def _create(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return self._errors(400, ["Unexpected character in the request body."])
        fields = body.get("fields") if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            return self._errors(400, ["Issue must have 'fields'."])
        problems: dict[str, str] = {}
        for name in fields.keys() - SETTABLE:
            problems[name] = f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."
        project = fields.get("project")
        if not isinstance(project, dict) or (
            project.get("key") != self.project and project.get("id") != self.project_id
        ):
            problems["project"] = "Specify a valid project ID or key"
        if not self._type_known(fields.get("issuetype")):
            problems["issuetype"] = "Specify a valid issue type"
        summary = fields.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            problems["summary"] = "You must specify a summary of the issue."
        elif len(summary) > 254 or "\n" in summary:
            problems["summary"] = "Summary must be less than 255 characters and on one line."
        description = fields.get("description")
        if description is not None and not _is_adf(description):
            problems["description"] = "Operation value must be an Atlassian Document (see the ADF format)."
        labels = fields.get("labels", [])
        if not isinstance(labels, list) or any(not isinstance(x, str) or re.search(r"\s", x) for x in labels):
            problems["labels"] = "The label must not contain spaces."
        if problems:
            return self._errors(400, **problems)
        issue_id = str(next(self._ids))
        issue = Issue(
            issue_id, f"{self.project}-{next(self._numbers)}", fields, time.monotonic(), labels=labels
        )
        self.issues.append(issue)
        return web.json_response(
            {"id": issue_id, "key": issue.key, "self": f"{self.url}/rest/api/3/issue/{issue_id}"}, status=201
        )

    def _find(self, key_or_id: str) -> Issue | None:
        return next((i for i in self.issues if i.id == key_or_id or i.key.lower() == key_or_id.lower()), None)

    async def _get(self, request: web.Request) -> web.Response:
        issue = self._find(request.match_info["key"])
        if issue is None:
            return self._errors(404, [MISSING])
        status = {
            "self": f"{self.url}/rest/api/3/status/1",
            "id": "1",
            "name": issue.status,
            "description": "",
            "statusCategory": {
                "self": f"{self.url}/rest/api/3/statuscategory/1",
                **CATEGORIES[issue.category],
            },
        }
        wanted = request.query.get("fields", "*all")
        fields = {"status": status} if "status" in wanted.split(",") else {"status": status, **issue.fields}
        return web.json_response({"id": issue.id, "key": issue.key, "self": "", "fields": fields})

    async def _project(self, request: web.Request) -> web.Response:
        if request.match_info["key"] not in (self.project, self.project_id):
            return self._errors(404, [f"No project could be found with key '{request.match_info['key']}'."])
        return web.json_response(
            {
                "id": self.project_id,
                "key": self.project,
                "name": "Operations",
                "issueTypes": [{"id": i, "name": n} for i, n in self.issue_types.items()],
            }
        )

    async def _search(self, request: web.Request) -> web.Response:
        body = await request.json()
        match = re.fullmatch(r'labels = "([^"]+)"( ORDER BY created ASC)?', str(body.get("jql", "")))
        if not match:
            return self._errors(400, ["The JQL query is not one this fake understands."])
        now = time.monotonic()
        visible = [
            i for i in self.issues if match.group(1) in i.labels and now - i.created >= self.search_lag
        ]
        limit = int(body.get("maxResults", 50))
        return web.json_response(
            {"issues": [{"id": i.id, "key": i.key, "fields": {}} for i in visible[:limit]], "isLast": True}
        )

    async def _gone(self, request: web.Request) -> web.Response:
        return self._errors(
            410,
            ["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."],
        )


def _is_adf(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("type") == "doc"
        and value.get("version") == 1
        and isinstance(value.get("content"), list)
        and all(isinstance(node, dict) and "type" in node for node in value["content"])
    )


def adf_text(document: dict[str, Any]) -> str:
    """The text of an ADF document, links as `text <href>`: for tests to read a description."""
    parts: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("type") == "text":
            href = next(
                (m["attrs"]["href"] for m in node.get("marks") or [] if m.get("type") == "link"), None
            )
            parts.append(node["text"] + (f" <{href}>" if href else ""))
        for child in node.get("content") or []:
            walk(child)
        if node.get("type") == "paragraph":
            parts.append("\n")

    walk(document)
    return "".join(parts)
