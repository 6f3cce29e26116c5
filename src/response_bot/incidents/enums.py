"""Severity and status, and how long an incident has run: plain values that import nothing heavy,
so errors, settings and text can use them without the ORM."""

from __future__ import annotations

import enum
import re
from datetime import timedelta

from response_bot.incidents.errors import InvalidSeverity, InvalidStatus


class Severity(enum.IntEnum):
    CRITICAL = 1
    MAJOR = 2
    MINOR = 3
    TRIVIAL = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()

    @property
    def emoji(self) -> str:
        return _SEVERITY_EMOJI[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Accept `1`, `sev1`, `SEV-1`, `sev 1`, `critical` in any case."""
        cleaned = text.strip().lower()
        match = re.fullmatch(r"(?:sev(?:erity)?[\s_-]?)?([1-4])", cleaned)
        if match:
            return cls(int(match.group(1)))
        for member in cls:
            if cleaned == member.name.lower():
                return member
        raise InvalidSeverity(text, cls.accepted())

    @classmethod
    def accepted(cls) -> str:
        names = ", ".join(f"{m.value} or {m.name.lower()}" for m in cls)
        return f"{names} (sev1 and SEV-1 work too)"


_SEVERITY_EMOJI = {
    Severity.CRITICAL: "⛈️",
    Severity.MAJOR: "🌧️",
    Severity.MINOR: "🌦️",
    Severity.TRIVIAL: "🌤️",
}
NO_SEVERITY_EMOJI = "☁️"


class Status(enum.StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    REPORTED = "reported"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def is_open(self) -> bool:
        return self not in CLOSED

    @property
    def emoji(self) -> str:
        return _STATUS_EMOJI[self]

    @classmethod
    def parse(cls, text: str) -> Status:
        """A status a responder may set by command (not `reported`, which only declaring sets)."""
        cleaned = text.strip().lower()
        for member in cls.settable():
            if cleaned == member.value:
                return member
        raise InvalidStatus(text, [s.value for s in cls.settable()])

    @classmethod
    def settable(cls) -> tuple[Status, ...]:
        return (cls.INVESTIGATING, cls.IDENTIFIED, cls.MONITORING, cls.RESOLVED)


# The statuses of an incident that is over.
CLOSED = (Status.RESOLVED, Status.REPORTED)

_STATUS_EMOJI = {
    Status.INVESTIGATING: "🔍",
    Status.IDENTIFIED: "🎯",
    Status.MONITORING: "👀",
    Status.RESOLVED: "✅",
    Status.REPORTED: "📓",
}


def format_duration(delta: timedelta) -> str:
    """`2 days 3 hrs 4 mins`, `5 mins`, `42 secs`: what responders read at a glance."""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{seconds} sec{'s' if seconds != 1 else ''}"
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes = seconds // 60
    parts = []
    for amount, unit in ((days, "day"), (hours, "hr"), (minutes, "min")):
        if amount:
            parts.append(f"{amount} {unit}{'s' if amount != 1 else ''}")
    return " ".join(parts)
