"""What a person fills in about an incident, and the rules it must follow."""

from __future__ import annotations

from dataclasses import dataclass, replace

from response_bot.incidents.enums import Severity
from response_bot.incidents.errors import InvalidInput
from response_bot.users.models import UserRef

TITLE_MAX = 150
TEXT_MAX = 3000


@dataclass(frozen=True)
class IncidentFields:
    """What a person fills in when declaring or editing an incident."""

    title: str
    summary: str | None = None
    impact: str | None = None
    lead: UserRef | None = None
    severity: Severity | None = None
    private: bool = False
    drill: bool = False

    def validated(self) -> IncidentFields:
        """Trimmed copy, or `InvalidInput` naming every field that is wrong."""
        title = " ".join(self.title.split())
        summary = _optional_text(self.summary)
        impact = _optional_text(self.impact)
        errors: dict[str, str] = {}
        if not title:
            errors["title"] = "Give the incident a title: what's happening, in a sentence."
        elif len(title) > TITLE_MAX:
            errors["title"] = f"Keep the title to {TITLE_MAX} characters (this one has {len(title)})."
        for name, value in (("summary", summary), ("impact", impact)):
            if value is not None and len(value) > TEXT_MAX:
                errors[name] = f"Keep the {name} to {TEXT_MAX:,} characters (this one has {len(value):,})."
        if errors:
            raise InvalidInput(errors)
        return replace(self, title=title, summary=summary, impact=impact)


def _optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def validated_text(name: str, value: str) -> str | None:
    """A summary or impact on its own (from a command): trimmed, empty → None, length checked."""
    text = _optional_text(value)
    if text is not None and len(text) > TEXT_MAX:
        raise InvalidInput(
            {name: f"Keep the {name} to {TEXT_MAX:,} characters (this one has {len(text):,})."}
        )
    return text


def required_text(name: str, value: str, *, missing: str) -> str:
    """Text a change cannot do without (a status update, a follow-up): `missing` says so if empty."""
    text = validated_text(name, value)
    if text is None:
        raise InvalidInput({name: missing})
    return text
