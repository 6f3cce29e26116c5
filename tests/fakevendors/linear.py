"""A fake Linear GraphQL API on loopback, for the operations the bot sends.

What it enforces (Linear's schema and docs, see `../shared/reference/integrations-notes.md` §5): a
personal API key sent bare in `Authorization` (with `Bearer` in front it is refused unless
`accept_bearer` is set: Linear's treatment of that is unconfirmed); operations matched by name;
`issueCreate` needs a known `teamId` and a non-empty `title`, takes only the input fields listed
here, a client-chosen `id` must be a UUID v4 and unused, `dueDate` a date; errors ride in a 200's
`errors` array with `extensions.type`; `rate_limit(n)` answers n requests with HTTP 400 and
`extensions.code: RATELIMITED` (or 429 with `status=429`) and the `X-RateLimit-*` headers.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakevendors.loopback import Loopback

INPUT_FIELDS = {"id", "teamId", "title", "description", "priority", "assigneeId", "dueDate", "labelIds"}
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@dataclass
class LinearIssue:
    id: str
    identifier: str
    title: str
    description: str
    due_date: str | None
    state_type: str = "unstarted"
    state_name: str = "Todo"


class FakeLinear:
    def __init__(self, api_key: str = "lin_api_fake0123456789", team_key: str = "OPS") -> None:
        self.api_key, self.team_key = api_key, team_key
        self.team_id = "5b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
        self.accept_bearer = False
        self.issues: list[LinearIssue] = []
        self.operations: list[str] = []
        self.stalls: dict[str, float] = {}  # operation name -> seconds: acted on, then answered late
        self._limited = 0
        self._limited_status = 400
        self._numbers = itertools.count(88)
        self._server = Loopback()
        self.url = ""

    async def start(self) -> FakeLinear:
        app = web.Application()
        app.router.add_post("/graphql", self._graphql)
        self.url = await self._server.serve(app) + "/graphql"
        return self

    async def stop(self) -> None:
        await self._server.close()

    def rate_limit(self, requests: int, *, status: int = 400) -> None:
        self._limited, self._limited_status = requests, status

    def move(self, identifier: str, state_type: str, state_name: str) -> None:
        issue = next(i for i in self.issues if i.identifier == identifier)
        issue.state_type, issue.state_name = state_type, state_name

    # --- the API ---------------------------------------------------------------------------------

    async def _graphql(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        if not (auth == self.api_key or (self.accept_bearer and auth == f"Bearer {self.api_key}")):
            return _errors(
                "Authentication required, not authenticated",
                "authentication error",
                "AUTHENTICATION_ERROR",
                status=400,
            )
        try:
            body = await request.json()
        except ValueError:
            return _errors("Body is not JSON", "graphql error", "GRAPHQL_PARSE_FAILED", status=400)
        operation = str(body.get("operationName") or "")
        self.operations.append(operation)
        if self._limited:
            self._limited -= 1
            reset = str(int((time.time() + 60) * 1000))
            return _errors(
                "Rate limit exceeded",
                "ratelimited",
                "RATELIMITED",
                status=self._limited_status,
                extra={"statusCode": 429},
                headers={
                    "Retry-After": "1",
                    "X-RateLimit-Requests-Limit": "1500",
                    "X-RateLimit-Requests-Remaining": "0",
                    "X-RateLimit-Requests-Reset": reset,
                },
            )
        variables = body.get("variables") or {}
        handler = {
            "FollowUpCreate": self._create,
            "FollowUpState": self._issue,
            "FollowUpTeam": self._team,
        }.get(operation)
        if handler is None or not isinstance(body.get("query"), str) or operation not in body["query"]:
            return _errors(
                f"Unknown operation '{operation}'", "graphql error", "GRAPHQL_VALIDATION_FAILED", 400
            )
        answer = handler(variables)
        stall = self.stalls.pop(operation, 0.0)
        if stall:
            await asyncio.sleep(stall)
        return answer

    def _create(self, variables: dict[str, Any]) -> web.Response:
        data = variables.get("input")
        if not isinstance(data, dict):
            return _errors(
                "Variable '$input' of required type 'IssueCreateInput!' was not provided.",
                "graphql error",
                "GRAPHQL_VALIDATION_FAILED",
                400,
            )
        unknown = sorted(data.keys() - INPUT_FIELDS)
        if unknown:
            return _errors(
                f"Field '{unknown[0]}' is not defined by type 'IssueCreateInput'.",
                "graphql error",
                "GRAPHQL_VALIDATION_FAILED",
                400,
            )
        if data.get("teamId") != self.team_id:
            return _errors(
                "Entity not found: Team",
                "invalid input",
                "INPUT_ERROR",
                200,
                presentable="Could not find referenced Team.",
            )
        if not isinstance(data.get("title"), str) or not data["title"].strip():
            return _errors(
                "Argument Validation Error",
                "invalid input",
                "INPUT_ERROR",
                200,
                presentable="Title is required.",
            )
        issue_id = data.get("id") or str(uuid.uuid4())
        if not UUID4.fullmatch(str(issue_id)):
            return _errors(
                "Argument Validation Error",
                "invalid input",
                "INPUT_ERROR",
                200,
                presentable="id must be a UUID v4.",
            )
        if any(i.id == issue_id for i in self.issues):
            return _errors(
                "Entity already exists",
                "invalid input",
                "INPUT_ERROR",
                200,
                presentable="An issue with this id already exists.",
            )
        due = data.get("dueDate")
        if due is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(due)):
            return _errors(
                "Argument Validation Error",
                "invalid input",
                "INPUT_ERROR",
                200,
                presentable="dueDate must be a date (YYYY-MM-DD).",
            )
        issue = LinearIssue(
            str(issue_id),
            f"{self.team_key}-{next(self._numbers)}",
            data["title"],
            str(data.get("description") or ""),
            due,
        )
        self.issues.append(issue)
        return web.json_response(
            {"data": {"issueCreate": {"success": True, "lastSyncId": 1.0, "issue": self._shown(issue)}}}
        )

    def _shown(self, issue: LinearIssue) -> dict[str, Any]:
        return {
            "id": issue.id,
            "identifier": issue.identifier,
            "url": f"https://linear.app/acme/issue/{issue.identifier}/follow-up",
            "state": {"type": issue.state_type, "name": issue.state_name},
        }

    def _issue(self, variables: dict[str, Any]) -> web.Response:
        wanted = str(variables.get("id") or "")
        found = next((i for i in self.issues if wanted in (i.id, i.identifier)), None)
        if found is None:
            return _errors(
                "Entity not found: Issue",
                "invalid input",
                "INPUT_ERROR",
                200,
                presentable="Could not find referenced Issue.",
            )
        return web.json_response({"data": {"issue": self._shown(found)}})

    def _team(self, variables: dict[str, Any]) -> web.Response:
        if variables.get("id") != self.team_id:
            return _errors(
                "Entity not found: Team",
                "invalid input",
                "INPUT_ERROR",
                200,
                presentable="Could not find referenced Team.",
            )
        return web.json_response(
            {"data": {"team": {"id": self.team_id, "key": self.team_key, "name": "Ops"}}}
        )


def _errors(
    message: str,
    kind: str,
    code: str,
    status: int,
    *,
    presentable: str | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    extensions: dict[str, Any] = {
        "type": kind,
        "code": code,
        "userError": kind != "internal error",
        **(extra or {}),
    }
    if presentable:
        extensions["userPresentableMessage"] = presentable
    return web.json_response(
        {"data": None, "errors": [{"message": message, "extensions": extensions}]},
        status=status,
        headers=headers,
    )
