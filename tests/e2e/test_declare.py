"""Declaring an incident with /incident and the modal, as a Slack user sees it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from response_bot.incidents.enums import Severity, Status
from response_bot.incidents.models import Incident
from tests.fakeslack import ClientRefused, FakeSlack
from tests.support.bot import RunningBot
from tests.support.people import People


async def incident_count(bot: RunningBot) -> int:
    async with bot.core.db.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(Incident))).scalar_one())


def headline_fields(message: object) -> str:
    blocks = message.blocks  # type: ignore[attr-defined]
    return "\n".join(f["text"] for b in blocks if b["type"] == "section" for f in b.get("fields", []))


async def test_slash_command_opens_the_declare_modal_prefilled_with_the_text(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    """/incident <text> opens a modal whose title is the text, with summary, impact, lead and severity."""
    await slack.slash(people.alice, "Payments API returning 500s", people.general)
    view = await slack.wait_for_view(people.alice, "incident_declare")
    assert view.title == "Declare an incident"
    assert view.input("title")["initial_value"] == "Payments API returning 500s"
    assert view.input("summary")["multiline"] is True
    assert view.input("impact")["multiline"] is True
    assert view.input("lead")["type"] == "users_select"
    labels = [o["text"]["text"] for o in view.input("severity")["options"]]
    assert labels == ["⛈️ Critical", "🌧️ Major", "🌦️ Minor", "🌤️ Trivial"]


async def test_submitting_stores_the_incident_posts_one_headline_and_confirms_to_the_reporter(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    """Submit → stored; one headline in #incidents with the key facts; an ephemeral note links to it."""
    await slack.slash(people.alice, "Payments API returning 500s", people.general)
    view = await slack.wait_for_view(people.alice)
    result = await slack.submit(
        people.alice,
        view,
        {
            "summary": "Card payments fail at checkout",
            "impact": "All EU customers",
            "lead": people.bob.id,
            "severity": "2",
        },
    )
    assert result.closed and not result.errors

    headline = await slack.wait_for_message(people.incidents, lambda m: "Incident 1" in m.text)
    assert "Incident 1: Payments API returning 500s" in headline.blocks[0]["text"]["text"]
    facts = headline_fields(headline)
    assert f"<@{people.alice.id}>" in facts  # reporter
    assert f"<@{people.bob.id}>" in facts  # lead
    assert "Investigating" in facts
    assert "🌧️ Major" in facts
    assert "<!date^" in facts  # started, shown in each reader's timezone
    assert "http://docs.example.test/incidents/1" in str(headline.blocks)

    note = await slack.wait_for_ephemeral(people.alice)
    assert note.channel == people.general.id
    assert "Incident 1" in note.text
    assert f"archives/{people.incidents.id}/p{headline.ts.replace('.', '')}" in note.text

    incident = await bot.core.incidents.get(1)
    assert incident.title == "Payments API returning 500s"
    assert incident.summary == "Card payments fail at checkout"
    assert incident.severity is Severity.MAJOR
    assert incident.status is Status.INVESTIGATING
    assert incident.lead is not None and incident.lead.slack_id == people.bob.id
    assert incident.started_at.tzinfo is not None
    assert len([m for m in slack.messages(people.incidents)]) == 1


@pytest.mark.parametrize(
    ("entered", "block", "message"),
    [
        ({"title": "   "}, "title", "Give the incident a title"),
        ({"title": "x" * 151}, "title", "Keep the title to 150 characters"),
        ({"summary": "s" * 3001}, "summary", "Keep the summary to 3,000 characters"),
        ({"impact": "i" * 3001}, "impact", "Keep the impact to 3,000 characters"),
    ],
)
async def test_invalid_input_is_answered_inside_the_modal_and_nothing_is_stored(
    bot: RunningBot, slack: FakeSlack, people: People, entered: dict[str, str], block: str, message: str
) -> None:
    """Each bad field gets its message next to it; the modal stays open and nothing is created."""
    await slack.slash(people.alice, "Checkout is slow", people.general)
    view = await slack.wait_for_view(people.alice)
    result = await slack.submit(people.alice, view, entered)
    assert not result.closed
    assert message in result.errors[block]
    assert slack.screen(people.alice) is view
    assert await incident_count(bot) == 0
    assert slack.messages(people.incidents) == []


async def test_an_empty_title_is_refused_by_the_slack_client_itself(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    """The title input is required, so Slack's client won't even submit it empty."""
    await slack.slash(people.alice, "", people.general)
    view = await slack.wait_for_view(people.alice)
    assert "initial_value" not in view.input("title")
    with pytest.raises(ClientRefused):
        await slack.submit(people.alice, view, {})


async def test_a_submission_delivered_twice_creates_one_incident(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    """Slack may deliver the same view submission to two connections: one incident, one headline."""
    await slack.slash(people.alice, "Duplicate delivery", people.general)
    view = await slack.wait_for_view(people.alice)
    result = await slack.submit(people.alice, view, {})
    assert result.closed
    await slack.wait_for_message(people.incidents)
    again = await slack.hub.redeliver(result.delivery)
    await slack.wait_for(lambda: again.acked.done(), what="the second ack")
    assert again.ack_payload is None  # acked plainly: the modal just closes
    await slack.wait_for(lambda: len(slack.ephemerals(people.alice)) >= 1)
    assert await incident_count(bot) == 1
    assert len(slack.messages(people.incidents)) == 1
    assert len(slack.ephemerals(people.alice)) == 1
