"""Follow-ups in Slack: the list (who owns what, by when, its ticket, with buttons to mark each
done, reopen it or file it as a ticket) and the nudge a late one's owner gets by DM."""

from __future__ import annotations

from datetime import date
from typing import Any

from response_bot.errors import UserError
from response_bot.followups.models import FollowUp
from response_bot.slack.blocks.text import (
    Block,
    Message,
    button,
    context,
    inert,
    link,
    mention,
    section,
    truncate,
)
from response_bot.slack.ids import Action
from response_bot.slack.metadata import FollowUpRef, StaleInteraction

# Each follow-up takes two blocks (its words, its buttons): within Slack's 50, with room for the
# heading and the count.
MAX_SHOWN = 24


def listing(
    incident_id: int, followups: list[FollowUp], today: date, *, tracker: str | None = None
) -> Message:
    """The list; `tracker` (Jira, Linear) when follow-ups can become tickets there."""
    if not followups:
        text = f"No follow-ups for Incident {incident_id} yet: `followup <what needs doing>` adds one."
        return Message(text, [section(text)])
    done = sum(1 for f in followups if f.done)
    blocks: list[Block] = [
        section(f"*Follow-ups for Incident {incident_id}*: {done} of {len(followups)} done")
    ]
    for followup in followups[:MAX_SHOWN]:
        blocks += _item(incident_id, followup, today, tracker)
    if len(followups) > MAX_SHOWN:
        blocks.append(context(f"…and {len(followups) - MAX_SHOWN} more on the incident doc."))
    return Message(f"Follow-ups for Incident {incident_id}: {done} of {len(followups)} done", blocks)


def _item(incident_id: int, followup: FollowUp, today: date, tracker: str | None) -> list[Block]:
    owner = mention(followup.owner.slack_id) if followup.owner else "nobody"
    due = ""
    if followup.due_on is not None:
        late = not followup.done and followup.due_on < today
        due = f" · due {followup.due_on:%a %d %b}" + (" ⚠️ overdue" if late else "")
    ticket = f" · {link(followup.ticket_url, followup.ticket_key or 'ticket')}" if followup.ticket_url else ""
    mark = "✅" if followup.done else "☐"
    value = FollowUpRef(incident_id=incident_id, followup_id=followup.id).encode()
    buttons = [
        button("Reopen", Action.FOLLOWUP_REOPEN, value)
        if followup.done
        else button("Done", Action.FOLLOWUP_DONE, value, style="primary")
    ]
    if tracker and not followup.ticket_id and not followup.done:
        buttons.append(button(f"Create {tracker} ticket", Action.FOLLOWUP_TICKET, value))
    return [
        section(f"{mark} {truncate(inert(followup.text), 2500)}\n{owner}{due}{ticket}"),
        {"type": "actions", "elements": buttons},
    ]


def nudge(incident_id: int, channel_id: str | None, payload: dict[str, Any]) -> Message:
    """The DM to the owner of a follow-up past its due date, with a button to say it is done."""
    due = date.fromisoformat(str(payload["due"]))
    where = f"<#{channel_id}>" if channel_id else f"Incident {incident_id}"
    what = truncate(inert(str(payload.get("text") or "")), 2500)
    ticket = ""
    if payload.get("ticket_url"):
        ticket = f" ({link(str(payload['ticket_url']), str(payload.get('ticket_key') or 'ticket'))})"
    nth, most = int(payload.get("nth") or 1), int(payload.get("most") or 1)
    last = " This is the last reminder about it." if nth >= most else ""
    text = f"⏰ A follow-up you own from {where} was due {due:%a %d %b}: {what}{ticket}"
    value = FollowUpRef(incident_id=incident_id, followup_id=int(payload["followup"])).encode()
    return Message(
        text,
        [
            section(text),
            {
                "type": "actions",
                "elements": [button("Done", Action.FOLLOWUP_DONE, value, style="primary")],
            },
            context(f"Reminder {nth} of at most {most}, on working days until it is done.{last}"),
        ],
    )


def followup_of(action: dict[str, Any] | None) -> int:
    """The follow-up a button names (buttons from before `FollowUpRef` carry its bare id)."""
    value = str((action or {}).get("value") or "")
    if value.isdigit():
        return int(value)
    try:
        return FollowUpRef.decode(value).followup_id
    except StaleInteraction:
        raise UserError("That button no longer names a follow-up.") from None
