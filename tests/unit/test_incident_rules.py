"""Severity parsing, status rules, field validation and duration wording."""

from __future__ import annotations

from datetime import timedelta

import pytest

from response_bot.incidents.enums import Severity, Status, format_duration
from response_bot.incidents.errors import InvalidInput, InvalidSeverity, InvalidStatus
from response_bot.incidents.fields import IncidentFields


@pytest.mark.parametrize(
    "text", ["1", "sev1", "SEV-1", "Sev 1", "critical", "CRITICAL", " sev_1 ", "severity1"]
)
def test_every_accepted_spelling_of_critical(text: str) -> None:
    assert Severity.parse(text) is Severity.CRITICAL


@pytest.mark.parametrize("text", ["0", "5", "sev", "crit", "11", "sev12", "", "1 critical"])
def test_anything_else_is_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(InvalidSeverity) as raised:
        Severity.parse(text)
    assert "1 or critical" in raised.value.message and "4 or trivial" in raised.value.message


def test_only_the_lifecycle_statuses_can_be_set() -> None:
    assert Status.parse("Monitoring") is Status.MONITORING
    with pytest.raises(InvalidStatus, match="investigating, identified, monitoring, resolved"):
        Status.parse("reported")
    assert not Status.RESOLVED.is_open and not Status.REPORTED.is_open and Status.IDENTIFIED.is_open


def test_fields_are_trimmed_and_blank_optional_text_becomes_none() -> None:
    fields = IncidentFields("  Payments\n  down ", summary="  ", impact=" EU \n").validated()
    assert (fields.title, fields.summary, fields.impact) == ("Payments down", None, "EU")


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as raised:
        IncidentFields("t" * 151, summary="s" * 3001, impact="i" * 3001).validated()
    assert set(raised.value.errors) == {"title", "summary", "impact"}
    assert "this one has 151" in raised.value.errors["title"]


def test_limits_are_inclusive() -> None:
    IncidentFields("t" * 150, summary="s" * 3000, impact="i" * 3000).validated()


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=1), "1 sec"),
        (timedelta(seconds=42), "42 secs"),
        (timedelta(minutes=5, seconds=30), "5 mins"),
        (timedelta(hours=1, minutes=1), "1 hr 1 min"),
        (timedelta(days=2, hours=3), "2 days 3 hrs"),
    ],
)
def test_durations_read_naturally(delta: timedelta, text: str) -> None:
    assert format_duration(delta) == text
