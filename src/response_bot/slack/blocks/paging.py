"""What the paging integration shows in the incident channel: who is on call, with a way to bring
them in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from response_bot.slack.blocks.form import modal, text_input
from response_bot.slack.blocks.text import (
    Block,
    Message,
    button,
    date,
    escape,
    mention,
    plain,
    section,
    truncate,
)
from response_bot.slack.ids import Action, BlockId, Callback

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


MAX_OPTIONS = 100  # Slack's limit per option group


@dataclass(frozen=True)
class Pageable:
    kind: str  # "service" | "escalation_policy"
    id: str
    name: str

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.id}"


def page_form(metadata: str, *, title: str, targets: list[Pageable] | None) -> Block:
    """The page modal; `targets` None while PagerDuty's services are still being fetched."""
    if targets is None:
        return _notice(metadata, "⏳ Asking PagerDuty for its services and escalation policies…")
    groups = []
    for kind, label in (("service", "Services"), ("escalation_policy", "Escalation policies")):
        options = [{"text": plain(t.name, 75), "value": t.value} for t in targets if t.kind == kind][
            :MAX_OPTIONS
        ]
        if options:
            groups.append({"label": plain(label, 75), "options": options})
    if not groups:
        return _notice(metadata, "PagerDuty has no services or escalation policies this key can see.")
    target: Block = {
        "type": "input",
        "block_id": BlockId.PAGE_TARGET,
        "label": plain("Who to page", 2000),
        "element": {
            "type": "static_select",
            "action_id": BlockId.PAGE_TARGET,
            "placeholder": plain("A service or an escalation policy", 150),
            "option_groups": groups,
        },
    }
    message = text_input(
        BlockId.PAGE_MESSAGE,
        "Message for whoever is paged",
        initial=truncate(title, 1000),
        placeholder="What should they know?",
        multiline=True,
        optional=False,
    )
    return modal(Callback.PAGERDUTY_PAGE, "Page someone", "Page", [target, message], metadata)


def page_form_button(incident_ref: str) -> list[Block]:
    """For `@incident page` (a mention can't open a form): a button that can."""
    return [
        section("📟 Who should be paged? The form lists PagerDuty's services and escalation policies."),
        {
            "type": "actions",
            "elements": [
                button("Open the page form", Action.PAGERDUTY_PAGE_FORM, incident_ref, style="primary")
            ],
        },
    ]


def _notice(metadata: str, text: str) -> Block:
    """The page modal with nothing to submit yet: a line of text and a Close button."""
    view = modal(Callback.PAGERDUTY_PAGE, "Page someone", "Page", [section(text)], metadata)
    del view["submit"]
    return view
