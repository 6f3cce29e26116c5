"""Replies to incident commands (help, the current summary or impact, proposals, status updates) and the
modal their Change button opens."""

from __future__ import annotations

from collections.abc import Sequence

from response_bot.incidents.enums import format_duration
from response_bot.incidents.models import Incident
from response_bot.slack.blocks.form import IMPACT_PLACEHOLDER, SUMMARY_PLACEHOLDER, modal, text_input
from response_bot.slack.blocks.text import Block, button, escape, inert, mention, section, truncate
from response_bot.slack.ids import Action, BlockId, Callback
from response_bot.slack.metadata import ProposalRef, TextRef

_EMPTY = {
    "summary": "This incident doesn't have a summary yet.",
    "impact": "The impact hasn't been described yet.",
}


def help_text(commands: Sequence[tuple[Sequence[str], str]], bot_user_id: str) -> str:
    bot = mention(bot_user_id)
    lines = [f"*Incident commands* (type `{bot} <command>` or `/incident <command>` in an incident channel):"]
    for names, helptext in commands:
        spelled = " / ".join(f"`{name}`" for name in names)
        lines.append(f"• {spelled}: {escape(helptext)}" if helptext else f"• {spelled}")
    return "\n".join(lines)


def unknown_command(name: str, bot_user_id: str) -> str:
    return f"I don't know the command `{escape(truncate(name, 40))}`. Try `{mention(bot_user_id)} help`."


def not_an_incident_channel(bot_user_id: str) -> str:
    return (
        "Incident commands work inside an incident's channel. To declare a new incident, "
        "type `/incident <what's happening>` (or `/incident drill <title>` to practise); for the list "
        f"of commands, `{mention(bot_user_id)} help`."
    )


def current_text(incident: Incident, field: str) -> list[Block]:
    value = getattr(incident, field)
    text = escape(value) if value else f"_{_EMPTY[field]}_"
    ref = TextRef(incident_id=incident.id, field=field, channel_id=incident.channel_id).encode()
    block = section(f"*Current {field} of Incident {incident.id}*\n{truncate(text, 2900)}")
    block["accessory"] = button("Change", Action.CHANGE_TEXT, ref)
    return [block]


def proposal(incident: Incident, field: str, proposed: str, proposal_id: int) -> list[Block]:
    ref = ProposalRef(proposal_id=proposal_id).encode()
    current = getattr(incident, field) or ""
    return [
        section(f"*This is the current {field}:*\n{truncate(escape(current), 2900)}"),
        section(f"*Replace it with this?*\n{truncate(escape(proposed), 2900)}"),
        {
            "type": "actions",
            "elements": [
                button("Yes, replace it", Action.ACCEPT_PROPOSAL, ref, style="primary"),
                button("No, keep it", Action.DECLINE_PROPOSAL, ref),
            ],
        },
    ]


def text_updated(field: str, value: str | None) -> str:
    if not value:
        return f"The {field} is now empty."
    return f"*The {field} is now:*\n{truncate(escape(value), 2900)}"


def status_update(incident: Incident, author_id: str, markup: str) -> str:
    return (
        f"📣 *Update on Incident {incident.id}* from {mention(author_id)}:\n{truncate(inert(markup), 3500)}"
    )


def duration(incident: Incident) -> str:
    if incident.is_open:
        return f"⏱️ Incident {incident.id} has been running for {format_duration(incident.duration())}."
    return f"⏱️ Incident {incident.id} lasted {format_duration(incident.duration())}."


def role_hint(roles: Sequence[str], bot_user_id: str) -> str:
    return f"Say who and which role: `{mention(bot_user_id)} role comms @someone`. Roles: {', '.join(roles)}."


def change_text(incident_id: int, field: str, current: str | None, *, metadata: str) -> Block:
    """Edit the summary or the impact on its own."""
    block = text_input(
        BlockId.TEXT,
        field.capitalize(),
        initial=current,
        placeholder=SUMMARY_PLACEHOLDER if field == "summary" else IMPACT_PLACEHOLDER,
        multiline=True,
        optional=True,
    )
    return modal(Callback.CHANGE_TEXT, f"Incident {incident_id} {field}", "Save", [block], metadata)
