"""The headline post in the incidents channel (one message per incident, edited in place) and what its
buttons open: the Edit form and the Close confirmation."""

from __future__ import annotations

from response_bot.incidents.enums import NO_SEVERITY_EMOJI, format_duration
from response_bot.incidents.models import Incident
from response_bot.slack.blocks.form import fields, modal
from response_bot.slack.blocks.text import (
    Block,
    Message,
    button,
    call_link,
    channel_link,
    context,
    date,
    escape,
    link,
    mention,
    mrkdwn,
    plain,
    section,
    truncate,
)
from response_bot.slack.ids import Action, BlockId, Callback, MetadataEvent

DRILL_NOTE = "🧪 *This is a drill*, run for practice: not a real incident."


def headline(
    incident: Incident, *, doc_url: str, buttons: list[Block], followups: tuple[int, int] | None = None
) -> Message:
    kind = "🧪 Drill" if incident.drill else "Incident"
    title = f"{'🔒 ' if incident.private else ''}{kind} {incident.id}: {incident.title}"
    fields = [
        f"*Status*\n{incident.status.emoji} {incident.status.label}",
        "*Severity*\n"
        + (
            f"{incident.severity.emoji} {incident.severity.label}"
            if incident.severity
            else f"{NO_SEVERITY_EMOJI} Not set"
        ),
        f"*Reporter*\n{mention(incident.reporter.slack_id)}",
        f"*Lead*\n{mention(incident.lead.slack_id) if incident.lead else '_Nobody yet_'}",
        f"*Started*\n{date(incident.started_at)}",
    ]
    if incident.channel_id:
        fields.append(f"*Channel*\n{channel_link(incident.channel_id)}")
    if incident.resolved_at is not None:
        fields.append(
            f"*Duration*\n{format_duration(incident.duration())} (resolved {date(incident.resolved_at)})"
        )
    if followups is not None and followups[1]:
        fields.append(f"*Follow-ups*\n{followups[0]} of {followups[1]} done")
    blocks: list[Block] = [
        {"type": "header", "text": plain(title, 150)},
        *([context(DRILL_NOTE)] if incident.drill else []),
        {"type": "section", "fields": [mrkdwn(f, 2000) for f in fields]},
        context(
            f"📄 {link(doc_url, f'Incident {incident.id} doc')}"
            + (f" · 📞 {call_link(incident.call_url)}" if incident.call_url and incident.is_open else "")
            + (
                f" · 🌐 {link(incident.public_incident_url, 'Status page')}"
                if incident.public_incident_url
                else ""
            )
        ),
    ]
    if incident.is_open and buttons:
        blocks.append({"type": "actions", "block_id": BlockId.HEADLINE_ACTIONS, "elements": buttons[:25]})
    fallback = truncate(f"{escape(title)} ({incident.status.label})", 3000)
    metadata = {"event_type": MetadataEvent.HEADLINE, "event_payload": {"incident_id": incident.id}}
    return Message(fallback, blocks, metadata)


def core_buttons(incident: Incident, value: str) -> list[tuple[int, Block]]:
    """The built-in buttons with their order; extensions slot theirs in between by order."""
    buttons = [
        (200, button("✏️ Edit", Action.EDIT, value)),
        (300, button("✅ Close", Action.CLOSE, value, style="danger")),
    ]
    if not incident.channel_id:
        buttons.insert(
            0, (100, button("💬 Create incident channel", Action.CREATE_CHANNEL, value, style="primary"))
        )
    return buttons


def edit(incident: Incident, *, metadata: str) -> Block:
    blocks = fields(
        title=incident.title,
        summary=incident.summary,
        impact=incident.impact,
        lead_id=incident.lead.slack_id if incident.lead else None,
        severity=incident.severity,
    )
    return modal(Callback.EDIT, f"Edit incident {incident.id}", "Save", blocks, metadata)


def confirm_close(incident_id: int, *, metadata: str, problem: str | None = None) -> Block:
    blocks = [section(f"⚠️ {escape(problem)}")] if problem else []
    blocks += [
        section(
            f"Close *Incident {incident_id}*? It will be marked resolved, its duration recorded "
            "and the buttons on its headline post removed.",
            block_id=BlockId.CLOSE_CONFIRM,
        )
    ]
    return modal(Callback.CLOSE, "Close incident", "Close incident", blocks, metadata)


def notice(title: str, text: str) -> Block:
    """A modal with only a message, for answering a button whose incident can't be edited."""
    return {
        "type": "modal",
        "title": plain(title, 24),
        "close": plain("OK", 24),
        "blocks": [section(escape(text))],
    }
