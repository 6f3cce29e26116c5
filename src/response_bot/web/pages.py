"""Server-rendered pages (Jinja2, autoescaped)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import jinja2
from aiohttp import web

from response_bot.incidents.errors import IncidentNotFound
from response_bot.incidents.models import NO_SEVERITY_EMOJI, format_duration
from response_bot.incidents.service import IncidentService
from response_bot.users.service import UserService

log = logging.getLogger(__name__)


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("response_bot.web", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["when"] = _when
    env.filters["duration"] = format_duration
    env.globals["no_severity_emoji"] = NO_SEVERITY_EMOJI
    return env


def _when(moment: datetime | None) -> str:
    return moment.strftime("%a %d %b %Y, %H:%M UTC") if moment else "—"


class Pages:
    def __init__(self, incidents: IncidentService, users: UserService, env: jinja2.Environment) -> None:
        self._incidents = incidents
        self._users = users
        self._env = env

    def render(self, name: str, status: int = 200, **values: object) -> web.Response:
        body = self._env.get_template(name).render(**values)
        return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")

    async def incident(self, request: web.Request) -> web.Response:
        incident_id = int(request.match_info["incident_id"])
        try:
            incident = await self._incidents.get(incident_id)
        except IncidentNotFound as error:
            return self.render("error.html", status=404, title="Not found", message=error.message)
        people = [incident.reporter.slack_id] + ([incident.lead.slack_id] if incident.lead else [])
        try:
            async with asyncio.timeout(1.5):
                if await self._users.complete_profiles(people):
                    incident = await self._incidents.get(incident_id)
        except Exception as error:  # names are a nicety; the page must still render
            log.info("profiles not refreshed for incident %s: %s", incident_id, error)
        return self.render("incident.html", incident=incident)
