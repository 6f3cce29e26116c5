"""What the incident channel shows: its topic and the welcome message."""

from __future__ import annotations

from response_bot.incidents.models import Incident
from response_bot.slack.blocks.text import (
    Message,
    call_link,
    context,
    escape,
    link,
    mention,
    section,
    truncate,
)

TOPIC_MAX = 250


def topic(incident: Incident, doc_url: str) -> str:
    """`🔍 Investigating | Payments API returning 500s | https://…` within Slack's 250 characters."""
    head = f"{'🧪 DRILL | ' if incident.drill else ''}{incident.status.emoji} {incident.status.label} | "
    tail = f" | {doc_url}"
    room = TOPIC_MAX - len(head) - len(tail)
    title = escape(incident.title)  # a title's <https://evil|Runbook> must not become a link up there
    if room < 10:
        return truncate(head + title, TOPIC_MAX)
    return head + truncate(title, room) + tail


def welcome(incident: Incident, *, doc_url: str, bot_user_id: str) -> Message:
    bot = mention(bot_user_id)
    lead = mention(incident.lead.slack_id) if incident.lead else f"nobody yet: `{bot} lead` to take it"
    kind = "Drill" if incident.drill else "Incident"
    lines = [
        f"👋 This channel is for *{kind} {incident.id}: {escape(truncate(incident.title, 150))}*.",
        f"Reporter: {mention(incident.reporter.slack_id)} · Lead: {lead}",
    ]
    if incident.drill:
        lines.insert(0, "🧪 *This is a drill*, run for practice: not a real incident.")
    if incident.call_url:
        lines.append(f"📞 The call: {call_link(incident.call_url)}")
    commands = "\n".join(
        [
            f"• `{bot} lead @someone`: who is leading",
            f"• `{bot} severity 1-4`: how bad it is (critical, major, minor, trivial)",
            f"• `{bot} status identified`: investigating → identified → monitoring → resolved",
            f"• `{bot} update <what changed>`: a status update for everyone following",
            f"• `{bot} followup <what needs doing>`: a follow-up, for after the incident",
            f"• `{bot} close`: when it's over",
        ]
    )
    blocks = [
        section("\n".join(lines)),
        section(f"*What to do next*\n{commands}"),
        context(f"All commands: `{bot} help` (or `/incident help`) · 📄 {link(doc_url, 'Incident doc')}"),
    ]
    kind = "Drill" if incident.drill else "Incident"
    return Message(f"This channel is for {kind} {incident.id}: {escape(incident.title)}", blocks)


def call_note(incident: Incident) -> str:
    return f"📞 The call for Incident {incident.id}: {call_link(incident.call_url or '')}"


def closed_note(incident: Incident, actor_id: str | None) -> str:
    who = f" by {mention(actor_id)}" if actor_id else ""
    return f"✅ Incident {incident.id} was closed{who}. Thanks, everyone."


def reopened_note(incident: Incident, actor_id: str | None) -> str:
    who = f" by {mention(actor_id)}" if actor_id else ""
    return f"🔁 Incident {incident.id} was reopened{who}."
