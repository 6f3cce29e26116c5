"""The post-incident report as Markdown, ready to paste into a wiki."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from response_bot.incidents import phases
from response_bot.incidents.enums import format_duration
from response_bot.incidents.models import Incident
from response_bot.incidents.queries import IncidentRecord
from response_bot.text import as_markup
from response_bot.timeline.models import EntryKind
from response_bot.web.markup import to_markdown


def _when(incident: Incident) -> str:
    start = incident.started_at.strftime("%Y-%m-%d %H:%M UTC")
    end = incident.resolved_at.strftime("%Y-%m-%d %H:%M UTC") if incident.resolved_at else "still open"
    return f"{start} → {end} ({format_duration(incident.duration())})"


def markdown(record: IncidentRecord, names: Mapping[str, str], doc_url: str) -> str:
    incident = record.incident

    def who(slack_id: str | None) -> str:
        return f"@{names.get(slack_id, slack_id)}" if slack_id else "—"

    def text(value: str | None) -> str:
        return to_markdown(value, names)

    def plain(value: str | None) -> str:
        return to_markdown(as_markup(value), names) if value else ""

    severity = f"{incident.severity.label} ({incident.severity.value})" if incident.severity else "not set"
    kind = "Drill" if incident.drill else "Incident"
    lines = [
        f"# {kind} {incident.id}: {plain(incident.title)}",
        "",
        *(
            ["> 🧪 **This was a drill**, run for practice: not a real incident.", ""]
            if incident.drill
            else []
        ),
        f"- **Status:** {incident.status.label}",
        f"- **Severity:** {severity}",
        f"- **When:** {_when(incident)}",
        f"- **Reporter:** {who(incident.reporter.slack_id)}",
    ]
    for role, user in sorted(incident.holders.items(), key=lambda item: (item[0] != "lead", item[0])):
        lines.append(f"- **{role.capitalize()}:** {who(user.slack_id)}")
    if incident.channel_name:
        lines.append(f"- **Channel:** #{incident.channel_name}")
    if incident.call_url:
        lines.append(f"- **Call:** {incident.call_url}")
    if incident.public_incident_url:
        status = (incident.public_status or "posted").capitalize()
        lines.append(f"- **Status page:** {incident.public_incident_url} ({status})")
    lines += [
        f"- **Incident doc:** {doc_url}",
        "",
        "## Summary",
        "",
        text(incident.summary) or "_None written._",
    ]
    lines += ["", "## Impact", "", plain(incident.impact) or "_None written._", "", "## Phases", ""]
    lines += ["| Status | From | To | Duration |", "|---|---|---|---|"]
    for phase in phases.phases(record, datetime.now(UTC)):
        status = phase.status.label if phase.status else "Closed"
        lines.append(
            f"| {status} | {phase.start:%Y-%m-%d %H:%M} UTC | {phase.end:%Y-%m-%d %H:%M} UTC "
            f"| {format_duration(phase.duration)} |"
        )
    lines += ["", "## Timeline", ""]
    for entry in record.entries:
        stamp = entry.occurred_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        author = f" {who(entry.author.slack_id)}:" if entry.author and entry.kind is EntryKind.MESSAGE else ""
        body = " ".join(text(entry.text).splitlines()) if entry.deleted_at is None else "_(message deleted)_"
        if entry.kind is EntryKind.UPDATE and entry.author:
            author = f" **Update** from {who(entry.author.slack_id)}:"
        lines.append(f"- **{stamp}**{author} {body}")
    if not record.entries:
        lines.append("_Nothing recorded._")
    lines += ["", "## Follow-ups", ""]
    for followup in record.followups:
        mark = "x" if followup.done else " "
        owner = followup.owner or followup.created_by
        due = f", due {followup.due_on.isoformat()}" if followup.due_on else ""
        ticket = f", ticket [{followup.ticket_key}]({followup.ticket_url})" if followup.ticket_url else ""
        lines.append(f"- [{mark}] {text(followup.text)} (owner {who(owner.slack_id)}{due}{ticket})")
    if not record.followups:
        lines.append("_None logged._")
    return "\n".join(lines) + "\n"
