"""The headline post in the incidents channel: one message per incident, edited in place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from response_bot.incidents.enums import NO_SEVERITY_EMOJI, format_duration
from response_bot.incidents.models import Incident
from response_bot.slack.blocks.text import (
    Block,
    button,
    channel_link,
    context,
    date,
    escape,
    link,
    mention,
    mrkdwn,
    plain,
    truncate,
)
from response_bot.slack.ids import Action, MetadataEvent
from response_bot.slack.ids import Block as BlockId


@dataclass(frozen=True)
class Message:
    """What `chat.postMessage` / `chat.update` need: fallback text, blocks and metadata."""

    text: str
    blocks: list[Block]
    metadata: dict[str, Any] | None = None


def headline(incident: Incident, *, doc_url: str, buttons: list[Block]) -> Message:
    title = f"{'🔒 ' if incident.private else ''}Incident {incident.id}: {incident.title}"
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
    blocks: list[Block] = [
        {"type": "header", "text": plain(title, 150)},
        {"type": "section", "fields": [mrkdwn(f, 2000) for f in fields]},
        context(f"📄 {link(doc_url, f'Incident {incident.id} doc')}"),
    ]
    if incident.is_open and buttons:
        blocks.append({"type": "actions", "block_id": BlockId.HEADLINE_ACTIONS, "elements": buttons[:25]})
    fallback = truncate(f"{escape(title)} ({incident.status.label})", 3000)
    metadata = {"event_type": MetadataEvent.HEADLINE, "event_payload": {"incident_id": incident.id}}
    return Message(fallback, blocks, metadata)


def declared_confirmation(
    incident: Incident, *, headline_url: str | None, doc_url: str, channel_id: str | None = None
) -> str:
    where = link(headline_url, "headline post") if headline_url else "headline post"
    lines = [f"Thanks for declaring *Incident {incident.id}: {escape(truncate(incident.title, 150))}* 🙏"]
    channel_id = channel_id or incident.channel_id
    if channel_id:
        lines.append(f"Work on it in {channel_link(channel_id)}.")
    lines.append(f"Follow it from its {where}; the {link(doc_url, 'incident doc')} keeps the record.")
    return "\n".join(lines)


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


def declared_but_waiting(incident: Incident) -> str:
    """The reporter's note when the headline could not go up straight away."""
    return (
        f"⚠️ Incident {incident.id} is saved, but Slack didn't accept its headline post just now. "
        "I'll post it by myself as soon as Slack lets me; there's no need to declare it again."
    )


def channel_problem(problem: str) -> str:
    return f"\n⚠️ I couldn't create its channel: {problem} Use *Create incident channel* on the headline."


def announced_late(incident: Incident, *, headline_url: str | None) -> str:
    """A declaration announced long after it was made (Slack or the bot was down): tell the reporter."""
    where = f": {link(headline_url, 'headline post')}" if headline_url else ""
    channel = f" Work on it in {channel_link(incident.channel_id)}." if incident.channel_id else ""
    return (
        f"✅ Incident {incident.id}'s headline is up now{where}.{channel} It took a while because Slack "
        "or the bot was unavailable when you declared it; there's nothing more to do."
    )
