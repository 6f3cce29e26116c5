"""Server-rendered pages (Jinja2, autoescaped): the incident list, an incident's doc, its report."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from response_bot.incidents import phases
from response_bot.incidents.enums import NO_SEVERITY_EMOJI, Severity, Status, format_duration
from response_bot.incidents.errors import IncidentNotFound
from response_bot.incidents.queries import IncidentQueries, IncidentRecord
from response_bot.text import as_markup
from response_bot.users.service import UserService
from response_bot.web import report
from response_bot.web.access import Access, filters_from, incident_id
from response_bot.web.auth import VIEWER, Viewer
from response_bot.web.markup import mentioned_users, to_html
from response_bot.web.picture import LEGEND, picture
from response_bot.webhooks.log import DeliveryLog


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("response_bot.web", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["when"] = _when
    env.filters["duration"] = format_duration
    env.globals.update(no_severity_emoji=NO_SEVERITY_EMOJI, statuses=list(Status), severities=list(Severity))
    return env


def _when(moment: datetime | None) -> str:
    return moment.strftime("%a %d %b %Y, %H:%M UTC") if moment else "—"


def _people_in(record: IncidentRecord) -> Iterable[str]:
    yield from (u.slack_id for u in record.participants)
    for entry in record.entries:
        yield from mentioned_users(entry.text)
    for followup in record.followups:
        yield followup.created_by.slack_id
        if followup.owner is not None:
            yield followup.owner.slack_id
        yield from mentioned_users(followup.text)


class Pages:
    def __init__(
        self,
        queries: IncidentQueries,
        access: Access,
        users: UserService,
        env: jinja2.Environment,
        doc_url: Callable[[int], str],
        deliveries: DeliveryLog | None = None,
    ) -> None:
        self._deliveries = deliveries
        self._queries = queries
        self._access = access
        self._users = users
        self._env = env
        self._doc_url = doc_url

    def render(self, name: str, status: int = 200, **values: object) -> web.Response:
        body = self._env.get_template(name).render(**values)
        return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")

    def not_found(self, error: IncidentNotFound) -> web.Response:
        return self.render("error.html", status=404, title="Not found", message=error.message)

    async def index(self, request: web.Request) -> web.Response:
        viewer: Viewer = request[VIEWER]
        filters = filters_from(request.query)
        page = await self._queries.search(filters, await self._access.private_ids(viewer))
        kept = {k: v for k, v in request.query.items() if k in ("status", "severity", "q", "drills") and v}

        def page_link(number: int) -> str:
            return "/?" + urlencode({**kept, "page": number})

        return self.render("list.html", page=page, filters=filters, page_link=page_link, viewer=viewer)

    async def webhooks(self, request: web.Request) -> web.Response:
        """The webhook delivery log (a private incident's rows only for those who may see it)."""
        if self._deliveries is None:
            return self.render(
                "error.html", status=404, title="Not found", message="No webhooks are set up (WEBHOOKS)."
            )
        visible = await self._access.private_ids(request[VIEWER])
        return self.render("webhooks.html", deliveries=await self._deliveries.recent(visible))

    async def incident(self, request: web.Request) -> web.Response:
        try:
            record = await self._access.record(request[VIEWER], incident_id(request))
        except IncidentNotFound as error:
            return self.not_found(error)
        names = await self._users.labels(_people_in(record))
        now = datetime.now(UTC)
        return self.render(
            "incident.html",
            record=record,
            incident=record.incident,
            names=names,
            picture=picture(record, now),
            legend=LEGEND,
            phase_list=phases.phases(record, now),
            slack=lambda markup: to_html(markup, names),
            plain=lambda text: to_html(as_markup(text or ""), names),
        )

    async def report(self, request: web.Request) -> web.Response:
        try:
            record = await self._access.record(request[VIEWER], incident_id(request))
        except IncidentNotFound as error:
            return self.not_found(error)
        names = await self._users.labels(_people_in(record))
        text = report.markdown(record, names, self._doc_url(record.incident.id))
        filename = f"incident-{record.incident.id}-report.md"
        return web.Response(
            text=text,
            content_type="text/markdown",
            charset="utf-8",
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )
