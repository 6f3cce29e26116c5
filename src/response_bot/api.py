"""The extension API: everything a plugin module needs, in one import.

    from response_bot.api import IncidentContext, incident_command

    @incident_command(["duration"], helptext="How long has this incident been running?")
    async def duration(ctx: IncidentContext) -> None:
        await ctx.say(f"The incident has been running for {ctx.incident_duration}")

List plugin modules in RESPONSE_PLUGINS, or expose them as entry points in the group
`response_bot.plugins`; see README.md, "Building blocks".
"""

from __future__ import annotations

from typing import Any

from response_bot.extensions.context import CommandError, IncidentContext
from response_bot.extensions.hooks import (
    action_handler,
    event_handler,
    headline_post_action,
    incident_changed,
    incident_command,
    keyword_handler,
    outbound_call,
    recurring_notification,
    single_notification,
    timeline_entry_added,
    view_submission,
)
from response_bot.extensions.outbound import (
    Call,
    EntryAdded,
    IncidentChanged,
    OutboundCall,
    Refused,
    TryLater,
)
from response_bot.incidents.enums import Severity, Status, format_duration
from response_bot.incidents.errors import InvalidInput
from response_bot.incidents.models import Incident
from response_bot.outcomes import AgainIn
from response_bot.slack.blocks import text as blocks
from response_bot.slack.blocks.text import escape
from response_bot.slack.metadata import IncidentRef


def incident_ref(incident: Incident) -> str:
    """What to put in a modal's `private_metadata` (or a button's value) to name the incident."""
    return IncidentRef(incident_id=incident.id).encode()


def button(text: str, action_id: str, incident: Incident, *, style: str | None = None) -> dict[str, Any]:
    """A headline button; its click reaches `@action_handler(action_id)` with `ctx.incident` set."""
    value = IncidentRef(incident_id=incident.id).encode()
    return blocks.button(text, action_id, value, style=style if style in ("primary", "danger") else None)


__all__ = [
    "AgainIn",
    "Call",
    "CommandError",
    "EntryAdded",
    "Incident",
    "IncidentChanged",
    "IncidentContext",
    "InvalidInput",
    "OutboundCall",
    "Refused",
    "Severity",
    "Status",
    "TryLater",
    "action_handler",
    "button",
    "escape",
    "event_handler",
    "format_duration",
    "headline_post_action",
    "incident_changed",
    "incident_command",
    "incident_ref",
    "keyword_handler",
    "outbound_call",
    "recurring_notification",
    "single_notification",
    "timeline_entry_added",
    "view_submission",
]
