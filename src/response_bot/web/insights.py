"""The insights page (/insights), each chart's numbers as CSV, and the same numbers in the JSON API.

The reader's choice of period and filters comes from the query string; a value that can't be read
is answered 400 with what to write instead (never a 500)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from markupsafe import Markup

from response_bot.incidents.enums import Severity, Status
from response_bot.incidents.insights import Insights, Period, Report, Scope, Spread
from response_bot.web import charts
from response_bot.web.access import Access
from response_bot.web.auth import VIEWER, Viewer

WEEKS = (4, 12, 52)
MAX_WEEKS = 260
SEVERITY_COLOURS = {
    Severity.CRITICAL: "#c0392b",
    Severity.MAJOR: "#e67e22",
    Severity.MINOR: "#f1c40f",
    Severity.TRIVIAL: "#7f8c8d",
    None: "#b0b7c3",
}
DEFINITIONS = {
    "declared": "Incidents counted in the week (Monday to Sunday, UTC) they were declared, by their "
    "severity now. Drills are left out unless included; private incidents count only for those who "
    "may see them.",
    "acknowledge": "Time to acknowledge: from declaring to the first lead being set (0 when declared "
    "with a lead). Incidents that never had a lead are left out (counted below the chart). Median and "
    "90th percentile are nearest-rank, per week of declaring.",
    "resolve": "Time to resolve: from declaring to being resolved; a reopened incident counts to its last "
    "resolution. Open incidents are left out (counted below the chart).",
    "status": "Time spent in each status: from each status change to the next (or to now for an open "
    "incident), summed over the incidents declared in the period. Time while closed is not counted.",
    "followups": "Follow-ups written, and follow-ups marked done, in each week (of incidents in scope).",
    "busiest": "Incidents declared by day of the week and hour (UTC): darker is more.",
    "leads": "The people who led the most incidents declared in the period (their current lead).",
}
CHARTS = tuple(DEFINITIONS)
TITLES = {
    "declared": "Incidents declared per week",
    "acknowledge": "Time to acknowledge",
    "resolve": "Time to resolve",
    "status": "Time in each status",
    "followups": "Follow-ups opened and done",
    "busiest": "Busiest hours of the week",
    "leads": "Who led the most",
}


class BadQuery(ValueError):
    """A query value that can't be read, in words for a 400."""


@dataclass(frozen=True)
class Choice:
    """What the reader asked for, echoed in the form and in the CSV links."""

    weeks: int | None
    first: date | None
    last: date | None
    severities: tuple[Severity, ...]
    status: Status | None
    drills: bool

    def query(self) -> str:
        pairs: list[tuple[str, str]] = []
        if self.first and self.last:
            pairs += [("from", self.first.isoformat()), ("to", self.last.isoformat())]
        elif self.weeks:
            pairs.append(("weeks", str(self.weeks)))
        pairs += [("severity", str(s.value)) for s in self.severities]
        if self.status:
            pairs.append(("status", self.status.value))
        if self.drills:
            pairs.append(("drills", "include"))
        return urlencode(pairs)


def choice_from(query: Mapping[str, str], all_severities: list[str]) -> Choice:
    weeks_raw = query.get("weeks", "")
    first, last = _day(query.get("from", ""), "from"), _day(query.get("to", ""), "to")
    if (first is None) != (last is None):
        raise BadQuery("give both from and to (YYYY-MM-DD), or neither")
    if first and last:
        if last < first:
            raise BadQuery("to must not be before from")
        if (last - first).days > MAX_WEEKS * 7:
            raise BadQuery(f"choose at most {MAX_WEEKS} weeks")
        weeks = None
    else:
        try:
            weeks = int(weeks_raw) if weeks_raw else 12
        except ValueError:
            raise BadQuery(f"weeks must be one of {', '.join(map(str, WEEKS))}") from None
        if weeks not in WEEKS:
            raise BadQuery(f"weeks must be one of {', '.join(map(str, WEEKS))}")
    severities = []
    for raw in all_severities:
        if raw not in ("1", "2", "3", "4"):
            raise BadQuery("severity must be 1, 2, 3 or 4")
        severities.append(Severity(int(raw)))
    status_raw = query.get("status", "")
    if status_raw and status_raw not in {s.value for s in Status}:
        raise BadQuery(f"status must be one of {', '.join(s.value for s in Status)}")
    drills = query.get("drills", "")
    if drills not in ("", "include", "exclude"):
        raise BadQuery("drills must be include or exclude")
    return Choice(
        weeks,
        first,
        last,
        tuple(sorted(set(severities))),
        Status(status_raw) if status_raw else None,
        drills == "include",
    )


def _day(raw: str, name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadQuery(f"{name} must be a date, YYYY-MM-DD") from None


def scope_for(choice: Choice, private_ids: set[int], today: date) -> Scope:
    period = (
        Period.between(choice.first, choice.last)
        if choice.first and choice.last
        else Period.last(choice.weeks or 12, today)
    )
    return Scope(
        period,
        severities=frozenset(choice.severities) or None,
        statuses=frozenset({choice.status}) if choice.status else None,
        drills=choice.drills,
        private_ids=frozenset(private_ids),
    )


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min"


def tables(report: Report) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Each chart's numbers: (header, rows), the same in the page's tables and the CSV files."""
    weeks = report.scope.period.weeks
    severities = [*Severity, None]

    def spread_rows(by_week: dict[date, Spread]) -> list[list[Any]]:
        rows = []
        for week in weeks:
            spread = by_week.get(week)
            rows.append(
                [week.isoformat(), spread.count if spread else 0]
                + [round(v) if (v := getattr(spread, k, None)) is not None else "" for k in ("median", "p90")]
            )
        return rows

    return {
        "declared": (
            ["week", *[s.label if s else "No severity" for s in severities], "total"],
            [
                [
                    w.isoformat(),
                    *[report.declared.get(w, {}).get(s, 0) for s in severities],
                    sum(report.declared.get(w, {}).values()),
                ]
                for w in weeks
            ],
        ),
        "acknowledge": (
            ["week", "incidents", "median seconds", "p90 seconds"],
            spread_rows(report.acknowledge),
        ),
        "resolve": (["week", "incidents", "median seconds", "p90 seconds"], spread_rows(report.resolve)),
        "status": (
            ["status", "seconds"],
            [[s.value, round(report.in_status.get(s, 0.0))] for s in Status if s in report.in_status],
        ),
        "followups": (
            ["week", "opened", "done"],
            [[w.isoformat(), *report.followups.get(w, (0, 0))] for w in weeks],
        ),
        "busiest": (
            ["weekday", "hour", "incidents"],
            [
                [("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[d], h, n]
                for (d, h), n in sorted(report.busiest.items())
            ],
        ),
        "leads": (["lead", "slack id", "incidents led"], [[name, sid, n] for sid, name, n in report.leads]),
    }


def pictures(report: Report) -> dict[str, Markup]:
    weeks = report.scope.period.weeks
    labels = [w.strftime("%d %b") for w in weeks]
    severities = [*Severity, None]
    declared = [
        charts.Series(
            s.label if s else "No severity",
            SEVERITY_COLOURS[s],
            [report.declared.get(w, {}).get(s, 0) for w in weeks],
        )
        for s in severities
    ]

    def spread_lines(by_week: dict[date, Spread], unit: float) -> list[charts.Series]:
        return [
            charts.Series("median", "#3f6fb5", [_per(by_week.get(w), "median", unit) for w in weeks]),
            charts.Series("90th percentile", "#c0392b", [_per(by_week.get(w), "p90", unit) for w in weeks]),
        ]

    return {
        "declared": charts.stacked_bars(
            "Incidents declared per week, by severity",
            f"{report.total} incidents over {len(weeks)} weeks, stacked by severity.",
            labels,
            declared,
        ),
        "acknowledge": charts.lines(
            "Time to acknowledge (minutes)",
            "Median and 90th percentile minutes from declaring to a lead, per week.",
            labels,
            spread_lines(report.acknowledge, 60),
            lambda v: f"{v:.0f}",
        ),
        "resolve": charts.lines(
            "Time to resolve (hours)",
            "Median and 90th percentile hours from declaring to resolving, per week.",
            labels,
            spread_lines(report.resolve, 3600),
            lambda v: f"{v:.1f}",
        ),
        "status": charts.hbars(
            "Time spent in each status (hours)",
            "Total hours incidents spent in each status.",
            [(s.label, report.in_status[s] / 3600) for s in Status if s in report.in_status],
            lambda v: f"{v:.1f} h",
        ),
        "followups": charts.stacked_bars(
            "Follow-ups opened and done per week",
            "Follow-ups written and marked done in each week, side by side.",
            labels,
            [
                charts.Series("opened", "#3f6fb5", [report.followups.get(w, (0, 0))[0] for w in weeks]),
                charts.Series("done", "#27ae60", [report.followups.get(w, (0, 0))[1] for w in weeks]),
            ],
            grouped=True,
        ),
        "busiest": charts.heatmap(
            "Busiest hours of the week (UTC)",
            "Incidents declared by weekday and hour; darker cells had more.",
            report.busiest,
        ),
        "leads": charts.hbars(
            "Top people by incidents led",
            "Incidents led, per person, most first.",
            [(name, float(n)) for _, name, n in report.leads],
            lambda v: f"{v:.0f}",
            colour="#7b2cbf",
        ),
    }


def _per(spread: Spread | None, which: str, unit: float) -> float | None:
    value = getattr(spread, which, None) if spread else None
    return None if value is None else value / unit


def report_json(report: Report) -> dict[str, Any]:
    scope = report.scope
    return {
        "period": {
            "from": scope.period.start.isoformat(),
            "to": (scope.period.end - timedelta(days=1)).isoformat(),
        },
        "filters": {
            "severity": sorted(s.value for s in scope.severities or ()),
            "status": sorted(s.value for s in scope.statuses or ()),
            "drills": scope.drills,
        },
        "definitions": DEFINITIONS,
        "charts": {
            name: {"columns": header, "rows": rows} for name, (header, rows) in tables(report).items()
        },
        "never_led": report.never_led,
        "still_open": report.still_open,
    }


class InsightsPages:
    def __init__(
        self,
        insights: Insights,
        access: Access,
        render: Callable[..., web.Response],
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self._insights = insights
        self._access = access
        self._render = render
        self._today = today

    async def _report(self, request: web.Request, viewer: Viewer) -> tuple[Choice, Report]:
        choice = choice_from(request.query, request.query.getall("severity", []))
        private = await self._access.private_ids(viewer)
        return choice, await self._insights.report(scope_for(choice, private, self._today()))

    async def page(self, request: web.Request) -> web.Response:
        try:
            choice, report = await self._report(request, request[VIEWER])
        except BadQuery as bad:
            return self._render(
                "error.html", status=400, title="Can't show that", message=f"Insights: {bad}."
            )
        return self._render(
            "insights.html",
            report=report,
            choice=choice,
            pictures=pictures(report),
            tables=tables(report),
            definitions=DEFINITIONS,
            titles=TITLES,
            charts=CHARTS,
            weeks_choices=WEEKS,
            query=choice.query(),
        )

    async def csv(self, request: web.Request) -> web.Response:
        name = request.match_info["chart"]
        if name not in CHARTS:
            raise web.HTTPNotFound(text=f"No chart called {name}: {', '.join(CHARTS)}")
        try:
            _, report = await self._report(request, request[VIEWER])
        except BadQuery as bad:
            return web.Response(status=400, text=f"Insights: {bad}.")
        header, rows = tables(report)[name]
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return web.Response(
            text=out.getvalue(),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="insights-{name}.csv"'},
        )

    async def api(self, request: web.Request) -> web.Response:
        """For the JSON API (tokens are service credentials: public incidents only)."""
        try:
            _, report = await self._report(request, Viewer(None))
        except BadQuery as bad:
            return web.json_response({"error": str(bad)}, status=400)
        return web.json_response(report_json(report))
