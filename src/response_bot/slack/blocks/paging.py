"""What the paging integration shows in the incident channel: who is on call, with a way to bring
them in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from response_bot.slack.blocks.text import Block, Message, button, date, escape, mention, section
from response_bot.slack.ids import Action

MAX_PEOPLE = 20  # one section and one button each, well inside Slack's 50 blocks


@dataclass(frozen=True)
class OnCallRow:
    name: str
    slack_id: str | None  # None: nobody in Slack has their PagerDuty e-mail
    level: int
    schedule: str | None  # None: the escalation policy targets them directly
    until: datetime | None


def on_call(what: str, rows: list[OnCallRow], *, can_invite: bool) -> Message:
    """`what` is "the Payments Primary schedule" or "the Payments escalation policy"."""
    if not rows:
        text = f"📟 Nobody is on call for {escape(what)} right now."
        return Message(text, [section(text)])
    blocks: list[Block] = [section(f"📟 *On call now for {escape(what)}*")]
    for row in rows[:MAX_PEOPLE]:
        who = (
            f"{mention(row.slack_id)} ({escape(row.name)})"
            if row.slack_id
            else f"{escape(row.name)} (not found in Slack)"
        )
        when = f"until {date(row.until)}" if row.until else "always (named in the escalation policy)"
        via = f" · {escape(row.schedule)}" if row.schedule else ""
        line = section(f"Level {row.level}: {who} · {when}{via}")
        if can_invite and row.slack_id:
            line["accessory"] = button("Invite to channel", Action.PAGERDUTY_INVITE, row.slack_id)
        blocks.append(line)
    names = ", ".join(row.name for row in rows[:MAX_PEOPLE])
    return Message(f"On call now for {escape(what)}: {escape(names)}", blocks)
