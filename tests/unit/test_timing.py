"""Durations, working hours and status-update cadences, as configured."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from response_bot.incidents.enums import Severity
from response_bot.incidents.errors import InvalidSeverity
from response_bot.notifications.timing import WorkingHours, parse_cadence, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("2m", 120), ("24h", 86400), ("1d", 86400), ("1h30m", 5400), (" 5M ", 300)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "5", "0s", "two minutes", "5x", "1.5h", "-2m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|zero"):
        parse_duration(text)


def test_cadence() -> None:
    assert parse_cadence("critical=30m, major=1h") == {
        Severity.CRITICAL: timedelta(minutes=30),
        Severity.MAJOR: timedelta(hours=1),
    }
    assert parse_cadence("") == {}
    with pytest.raises(InvalidSeverity):
        parse_cadence("urgent=5m")
    with pytest.raises(ValueError, match="critical=30m"):
        parse_cadence("critical")


def test_working_hours_in_a_timezone() -> None:
    hours = WorkingHours.parse("mon-fri 09:00-18:00", "Europe/London")
    friday_evening = datetime(2026, 11, 27, 18, 30, tzinfo=UTC)  # 18:30 in London (GMT)
    assert not hours.contains(friday_evening)
    assert hours.next_start(friday_evening) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday
    tuesday_morning = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert hours.contains(tuesday_morning) and hours.next_start(tuesday_morning) == tuesday_morning
    summer = WorkingHours.parse("mon-fri 09:00-18:00", "Europe/London")
    assert summer.contains(datetime(2026, 7, 1, 8, 30, tzinfo=UTC))  # 09:30 BST


def test_wrapping_day_ranges_and_single_days() -> None:
    assert WorkingHours.parse("sat-mon 10:00-12:00", "UTC").days == frozenset({5, 6, 0})
    assert WorkingHours.parse("wed 08:00-09:00", "UTC").days == frozenset({2})


@pytest.mark.parametrize("text", ["weekdays 9-5", "mon-fri 18:00-09:00", "xyz-fri 09:00-10:00", ""])
def test_bad_working_hours(text: str) -> None:
    with pytest.raises(ValueError):
        WorkingHours.parse(text, "UTC")
