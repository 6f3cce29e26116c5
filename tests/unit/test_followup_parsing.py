"""How a follow-up is read: its owner and due date at the end, in either order."""

from __future__ import annotations

from datetime import date

import pytest

from response_bot.incidents.errors import InvalidInput
from response_bot.incidents.followup_text import FollowUpRequest, due_date, parse

WEDNESDAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Add a canary", FollowUpRequest("Add a canary", None, None)),
        ("Add a canary <@U0BOB>", FollowUpRequest("Add a canary", "U0BOB", None)),
        (
            "Add a canary <@U0BOB|bob> due 2026-12-12",
            FollowUpRequest("Add a canary", "U0BOB", date(2026, 12, 12)),
        ),
        ("Add a canary due fri <@U0BOB>", FollowUpRequest("Add a canary", "U0BOB", date(2026, 12, 4))),
        ("Ask <@U0ANN> about the canary", FollowUpRequest("Ask <@U0ANN> about the canary", None, None)),
        ("Rotate keys due 3d", FollowUpRequest("Rotate keys", None, date(2026, 12, 5))),
        ("<@U0BOB>", FollowUpRequest("<@U0BOB>", None, None)),  # a mention alone is the text, not an owner
    ],
)
def test_owner_and_due_date_come_off_the_end(typed: str, expected: FollowUpRequest) -> None:
    assert parse(typed, WEDNESDAY) == expected


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("today", WEDNESDAY),
        ("tomorrow", date(2026, 12, 3)),
        ("wed", date(2026, 12, 9)),  # the next Wednesday, never today
        ("Friday", date(2026, 12, 4)),
        ("mon", date(2026, 12, 7)),
        ("2w", date(2026, 12, 16)),
        ("2026-12-02", WEDNESDAY),
    ],
)
def test_due_dates_people_type(when: str, expected: date) -> None:
    assert due_date(when, WEDNESDAY) == expected


@pytest.mark.parametrize(
    ("when", "says"),
    [("soonish", "isn't a date"), ("2026-11-30", "is in the past"), ("fryday", "isn't a date")],
)
def test_a_due_date_that_cannot_be_read_is_named(when: str, says: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse(f"Rotate keys due {when}", WEDNESDAY)
    assert says in refused.value.message
