"""Durations (`90s`, `2m`, `24h`), working hours (`mon-fri 09:00-18:00`) and status-update cadences."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from response_bot.incidents.enums import Severity

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def parse_duration(text: str) -> timedelta:
    """`90s`, `2m`, `24h`, `1d`, or combinations like `1h30m`; whole seconds."""
    cleaned = text.strip().lower().replace(" ", "")
    parts = re.findall(r"(\d+)([smhd])", cleaned)
    if not cleaned or not parts or "".join(n + u for n, u in parts) != cleaned:
        raise ValueError(f"'{text}' is not a duration like 90s, 2m, 24h or 1h30m")
    seconds = sum(int(number) * _UNITS[unit] for number, unit in parts)
    if seconds <= 0:
        raise ValueError(f"'{text}' must be longer than zero")
    return timedelta(seconds=seconds)


def parse_cadence(text: str) -> dict[Severity, timedelta]:
    """`critical=30m,major=60m`: how often each severity wants a status update (others: never)."""
    cadence: dict[Severity, timedelta] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, duration = part.partition("=")
        if not sep:
            raise ValueError(f"'{part}' should look like critical=30m")
        cadence[Severity.parse(name)] = parse_duration(duration)
    return cadence


@dataclass(frozen=True)
class WorkingHours:
    """Days and a daily window in a timezone; reminders due outside it wait for the next window."""

    days: frozenset[int]
    start: time
    end: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, text: str, timezone: str) -> WorkingHours:
        match = re.fullmatch(
            r"\s*([a-z]{3})(?:-([a-z]{3}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})\s*", text.lower()
        )
        if not match or match.group(1) not in _DAYS or (match.group(2) and match.group(2) not in _DAYS):
            raise ValueError(f"'{text}' is not like mon-fri 09:00-18:00")
        first = _DAYS.index(match.group(1))
        last = _DAYS.index(match.group(2) or match.group(1))
        days = {d % 7 for d in range(first, first + ((last - first) % 7) + 1)}
        start = time(int(match.group(3)), int(match.group(4)))
        end = time(int(match.group(5)), int(match.group(6)))
        if start >= end:
            raise ValueError(f"'{text}': the window must end after it starts")
        return cls(frozenset(days), start, end, ZoneInfo(timezone))

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def next_start(self, moment: datetime) -> datetime:
        """When the next window opens after `moment` (or `moment` itself, if it is inside one)."""
        if self.contains(moment):
            return moment
        local = moment.astimezone(self.zone)
        for offset in range(0, 8):
            day = (local + timedelta(days=offset)).date()
            opens = datetime.combine(day, self.start, tzinfo=self.zone)
            if day.weekday() in self.days and opens > local:
                return opens.astimezone(moment.tzinfo)
        raise ValueError("working hours have no days")  # unreachable: parse guarantees a day
