"""The words of automatic timeline entries, in Slack markup (see response_bot.text): mentions stay
`<@U…>` tokens that renderers resolve, and people's plain text is escaped."""

from __future__ import annotations

from response_bot.incidents.enums import Severity, Status
from response_bot.text import as_markup


def _quote(text: str | None) -> str:
    return f"“{as_markup(text)}”" if text else "nothing"


def title_changed(old: str, new: str) -> str:
    return f"Title changed from {_quote(old)} to {_quote(new)}"


def text_changed(field: str, old: str | None, new: str | None) -> str:
    if not new:
        return f"{field.capitalize()} cleared"
    verb = "set" if not old else "changed to"
    return f"{field.capitalize()} {verb}: {as_markup(new)}"


def severity_changed(old: Severity | None, new: Severity | None) -> str:
    if new is None:
        return "Severity cleared"
    if old is None:
        return f"Severity set to {new.emoji} {new.label}"
    return f"Severity changed from {old.label} to {new.emoji} {new.label}"


def status_changed(old: Status, new: Status) -> str:
    return f"Status changed from {old.label} to {new.emoji} {new.label}"


def person_changed(role: str, old: str | None, new: str | None) -> str:
    if new is None:
        return f"<@{old}> is no longer {role}"
    if old is None:
        return f"<@{new}> is now {role}"
    return f"{role.capitalize()} changed from <@{old}> to <@{new}>"
