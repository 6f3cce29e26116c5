"""The follow-ups list: who owns what, by when, with a button to mark each done (or not)."""

from __future__ import annotations

from datetime import date

from response_bot.followups.models import FollowUp
from response_bot.slack.blocks.text import Block, Message, button, context, inert, mention, section, truncate
from response_bot.slack.ids import Action

MAX_SHOWN = 40  # within Slack's 50 blocks, with room for the heading and the count


def listing(incident_id: int, followups: list[FollowUp], today: date) -> Message:
    if not followups:
        text = f"No follow-ups for Incident {incident_id} yet: `followup <what needs doing>` adds one."
        return Message(text, [section(text)])
    done = sum(1 for f in followups if f.done)
    blocks: list[Block] = [
        section(f"*Follow-ups for Incident {incident_id}*: {done} of {len(followups)} done")
    ]
    for followup in followups[:MAX_SHOWN]:
        owner = mention(followup.owner.slack_id) if followup.owner else "nobody"
        due = ""
        if followup.due_on is not None:
            late = not followup.done and followup.due_on < today
            due = f" · due {followup.due_on:%a %d %b}" + (" ⚠️ overdue" if late else "")
        mark = "✅" if followup.done else "☐"
        line = section(f"{mark} {truncate(inert(followup.text), 2500)}\n{owner}{due}")
        line["accessory"] = (
            button("Reopen", Action.FOLLOWUP_REOPEN, str(followup.id))
            if followup.done
            else button("Done", Action.FOLLOWUP_DONE, str(followup.id), style="primary")
        )
        blocks.append(line)
    if len(followups) > MAX_SHOWN:
        blocks.append(context(f"…and {len(followups) - MAX_SHOWN} more on the incident doc."))
    return Message(f"Follow-ups for Incident {incident_id}: {done} of {len(followups)} done", blocks)
