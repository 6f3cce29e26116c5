"""Reading a follow-up as people type it: `Add a canary for gateway config @bob due fri`.

An owner (a mention) and a due date (`due 2026-12-12`, `due fri`, `due 3d`, `due 2w`, `due today`,
`due tomorrow`) may come at the end, in either order; what is left is the follow-up itself.
Without an owner, whoever wrote it owns it. Dates are days in the business timezone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from response_bot.incidents.errors import InvalidInput

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_OWNER = re.compile(r"\s*<@(?P<id>[UW][A-Z0-9]+)(?:\|[^>]*)?>\s*$")
_DUE = re.compile(r"\s+due\s+(?P<when>\S+)\s*$", re.IGNORECASE)
_RELATIVE = re.compile(r"(?P<n>\d{1,3})(?P<unit>[dw])")


@dataclass(frozen=True)
class FollowUpRequest:
    text: str
    owner: str | None  # a Slack user id; None: whoever wrote it
    due: date | None


def parse(markup: str, today: date) -> FollowUpRequest:
    text, owner, due = markup.strip(), None, None
    for _ in range(2):  # owner and due date, in either order
        mention = _OWNER.search(text)
        if owner is None and mention and mention.start() > 0:
            owner, text = mention.group("id"), text[: mention.start()].rstrip()
            continue
        when = _DUE.search(text)
        if due is None and when:
            due, text = due_date(when.group("when"), today), text[: when.start()].rstrip()
    return FollowUpRequest(text, owner, due)


def due_date(when: str, today: date) -> date:
    """`2026-12-12`, `fri`/`friday` (the next one, never today), `3d`, `2w`, `today`, `tomorrow`."""
    word = when.strip().lower().rstrip(".,")
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    relative = _RELATIVE.fullmatch(word)
    if relative:
        days = int(relative.group("n")) * (7 if relative.group("unit") == "w" else 1)
        return today + timedelta(days=days)
    for number, name in enumerate(WEEKDAYS):
        if word in (name[:3], name):
            ahead = (number - today.weekday() - 1) % 7 + 1  # the next one: 1 to 7 days on
            return today + timedelta(days=ahead)
    try:
        chosen = date.fromisoformat(word)
    except ValueError:
        raise InvalidInput(
            {"due": f"'{when}' isn't a date I can read: use 2026-12-12, fri, 3d, 2w or tomorrow."}
        ) from None
    if chosen < today:
        raise InvalidInput({"due": f"{chosen.isoformat()} is in the past: give a date from today on."})
    return chosen
