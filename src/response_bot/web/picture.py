"""One incident at a glance, for its doc page: its status and severity over time as bands, and
the moments that mattered (updates, pages, pins, lead and role changes) marked under them."""

from __future__ import annotations

from datetime import datetime, timedelta

from markupsafe import Markup

from response_bot.incidents import phases
from response_bot.incidents.enums import Status, format_duration
from response_bot.incidents.queries import IncidentRecord
from response_bot.web import charts
from response_bot.web.insights import SEVERITY_COLOURS

STATUS_COLOURS = {
    Status.INVESTIGATING: "#f5b7b1",
    Status.IDENTIFIED: "#f9e79f",
    Status.MONITORING: "#aed6f1",
    Status.RESOLVED: "#abebc6",
    Status.REPORTED: "#abebc6",
    None: "#e5e7e9",
}
SYMBOLS = {"update": "●", "page": "▲", "pin": "◆", "lead": "★", "role": "■"}
LEGEND = "● status update · ▲ page · ◆ pinned message · ★ lead change · ■ role change"


def picture(record: IncidentRecord, now: datetime) -> Markup:
    incident = record.incident
    start = incident.declared_at
    end = incident.resolved_at if not incident.is_open and incident.resolved_at else now
    total = max((end - start).total_seconds(), 1.0)

    def offset(moment: datetime) -> float:
        return (moment - start).total_seconds()

    status_spans = [
        charts.Span(
            p.status.label if p.status else "Closed", STATUS_COLOURS[p.status], offset(p.start), offset(p.end)
        )
        for p in phases.phases(record, now)
    ]
    severity_spans = [
        charts.Span(
            b.severity.label if b.severity else "Not set",
            SEVERITY_COLOURS[b.severity],
            offset(b.start),
            offset(b.end),
        )
        for b in phases.bands(record, now)
    ]
    marks = [charts.Mark(offset(m.at), m.label, SYMBOLS[m.kind]) for m in phases.markers(record)]
    described = ", ".join(f"{s.label} for {_ago(s.end - s.start)}" for s in status_spans)
    return charts.incident_timeline(
        f"Incident {incident.id} over time",
        f"Status: {described}. {len(marks)} marked events.",
        total,
        [("Status", status_spans), ("Severity", severity_spans)],
        marks,
        lambda seconds: "start" if seconds <= 0 else f"+{_ago(seconds)}",
    )


def _ago(seconds: float) -> str:
    return format_duration(timedelta(seconds=round(seconds)))
