"""The App Home tab: open incidents and a Declare button."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from response_bot.incidents.enums import NO_SEVERITY_EMOJI, format_duration
from response_bot.incidents.models import Incident
from response_bot.slack.blocks.text import (
    Block,
    button,
    channel_link,
    context,
    link,
    mention,
    plain,
    section,
    truncate,
)
from response_bot.slack.ids import Action

SHOWN = 40


def _line(incident: Incident, doc_url: str) -> str:
    severity = (
        f"{incident.severity.emoji} {incident.severity.label}"
        if incident.severity
        else f"{NO_SEVERITY_EMOJI} No severity"
    )
    parts = [
        severity,
        f"{incident.status.emoji} {incident.status.label}",
        f"Lead {mention(incident.lead.slack_id)}" if incident.lead else "No lead",
    ]
    if incident.channel_id:
        parts.append(channel_link(incident.channel_id))
    parts.append(f"open {format_duration(incident.duration())}")
    title = f"{'🔒 ' if incident.private else ''}Incident {incident.id}: {truncate(incident.title, 150)}"
    return f"*{link(doc_url, title)}*\n" + " · ".join(parts)


def home(incidents: Sequence[Incident], doc_url: Callable[[int], str]) -> Block:
    blocks: list[Block] = [
        {"type": "header", "text": plain("Incidents")},
        {
            "type": "actions",
            "elements": [button("🚨 Declare incident", Action.DECLARE_FROM_HOME, "declare", style="danger")],
        },
        {"type": "divider"},
    ]
    if not incidents:
        blocks.append(section("No open incidents right now. 🎉"))
    for incident in incidents[:SHOWN]:
        blocks.append(section(_line(incident, doc_url(incident.id))))
    if len(incidents) > SHOWN:
        blocks.append(context(f"…and {len(incidents) - SHOWN} more; see the incident list in the docs."))
    return {"type": "home", "blocks": blocks}
