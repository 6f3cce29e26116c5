"""Block Kit builders: valid within Slack's limits for any input, and user text never pings or links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from response_bot.incidents.enums import Severity, Status
from response_bot.incidents.models import Incident
from response_bot.slack.blocks import declaring, headline
from response_bot.slack.blocks.text import Message, escape
from response_bot.users.models import User
from tests.fakeslack.blockkit import message_problems, view_problems

EVIL = "<!channel> <@U123> <https://evil.example|Runbook> & co"


def make_incident(**overrides: object) -> Incident:
    start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    incident = Incident(
        id=42,
        title="Payments API returning 500s",
        summary=None,
        impact=None,
        severity=Severity.MAJOR,
        status=Status.INVESTIGATING,
        started_at=start,
        declared_at=start,
    )
    incident.reporter = User(slack_id="U0REPORTER", name="alice")
    incident.lead = None
    for key, value in overrides.items():
        setattr(incident, key, value)
    return incident


def render(incident: Incident) -> Message:
    buttons = [element for _, element in headline.core_buttons(incident, "{}")]
    return headline.headline(incident, doc_url="https://r.example/incidents/42", buttons=buttons)


def test_escape_neutralises_slack_control_characters() -> None:
    assert escape(EVIL) == "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|Runbook&gt; &amp; co"


@pytest.mark.parametrize("title", ["x" * 150, EVIL, "🔥" * 150, "עברית RTL ‏mixed"])
def test_headline_is_valid_block_kit_for_any_title(title: str) -> None:
    message = render(make_incident(title=title))
    assert message_problems(message.blocks) == []
    assert "<!channel>" not in message.text and "<https://evil" not in message.text


def test_headline_for_a_closed_incident_has_duration_and_no_buttons() -> None:
    start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    closed = make_incident(status=Status.RESOLVED, resolved_at=start + timedelta(hours=2, minutes=5))
    message = render(closed)
    assert [b["type"] for b in message.blocks] == ["header", "section", "context"]
    assert "2 hrs 5 mins" in str(message.blocks)
    assert message.metadata == {"event_type": "incident_headline", "event_payload": {"incident_id": 42}}


def test_declare_modal_is_valid_and_prefills_up_to_slacks_limit() -> None:
    view = declaring.declare(title="y" * 5000, metadata='{"channel_id":"C1"}')
    assert view_problems(view) == []
    assert len(view["blocks"][0]["element"]["initial_value"]) == 3000


def test_edit_modal_is_valid_with_every_field_filled_to_the_maximum() -> None:
    incident = make_incident(title="t" * 150, summary="s" * 3000, impact="i" * 3000, id=10**12)
    incident.lead = User(slack_id="U0LEAD", name="bob")
    view = headline.edit(incident, metadata="{}")
    assert view_problems(view) == []
    assert view["title"]["text"].startswith("Edit incident")
    assert len(view["title"]["text"]) <= 24


def test_close_confirmation_with_a_problem_is_valid() -> None:
    assert view_problems(headline.confirm_close(3, metadata="{}", problem=EVIL)) == []


def test_confirmation_text_escapes_the_title() -> None:
    text = declaring.declared_confirmation(make_incident(title=EVIL), headline_url=None, doc_url="https://d")
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
