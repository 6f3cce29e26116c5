"""Bad input, everywhere a person can type: each answered clearly, nothing changed on error."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete

from response_bot.incidents.models import Incident
from response_bot.timeline.models import TimelineEntry
from tests.fakeslack import FakeSlack
from tests.support.bot import RunningBot
from tests.support.flows import Declared, command, declare, done
from tests.support.people import People

HUGE = "x" * 40_000
HOSTILE = "<!channel> <!here> <@U0FAKEBOT> <https://evil.example|Runbook> & more"
RAW_TOKENS = re.compile(r"<!channel>|<!here>|<https://evil\.example\|Runbook>")


def mrkdwn_texts(value: object) -> list[str]:
    if isinstance(value, dict):
        found = [str(value["text"])] if value.get("type") == "mrkdwn" else []
        return found + [t for v in value.values() for t in mrkdwn_texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in mrkdwn_texts(v)]
    return []


@pytest.fixture
async def declared(bot: RunningBot, slack: FakeSlack, people: People) -> Declared:
    result = await declare(slack, people, "Checkout errors")
    assert result.channel is not None
    await slack.settled()
    slack.workspace.ephemerals.clear()
    return result


async def timeline_size(bot: RunningBot) -> int:
    return len(await bot.core.timeline.entries(1))


@pytest.mark.parametrize("field", ["title", "summary", "impact"])
async def test_huge_text_in_a_form_field_is_refused_in_the_form(
    bot: RunningBot, slack: FakeSlack, people: People, field: str
) -> None:
    await slack.slash(people.alice, "Something", people.general)
    view = await slack.wait_for_view(people.alice)
    result = await slack.submit(people.alice, view, {field: HUGE})
    assert not result.closed and "characters" in result.errors[field]
    assert slack.messages(people.incidents) == []


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        (f"update {HUGE}", "Keep the update to 3,000 characters"),
        (f"action {HUGE}", "Keep the follow-up to 3,000 characters"),
        (f"followup {HUGE}", "Keep the follow-up to 3,000 characters"),
        (f"summary {HUGE}", "Keep the summary to 3,000 characters"),
        (f"sev {HUGE}", "isn't a severity"),
        (f"status {HUGE}", "isn't a status"),
        (f"role {HUGE} <@U000000002>", "isn't a role here"),
        ("update", "needs some text"),
        ("action   ", "needs some text"),
        ("sev", "'(nothing)' isn't a severity"),
        ("rename !!!", "with some letters or digits"),
        (f"{HUGE}", "I don't know the command"),
    ],
)
async def test_bad_command_arguments_are_explained_briefly_and_change_nothing(
    bot: RunningBot, slack: FakeSlack, people: People, declared: Declared, text: str, answer: str
) -> None:
    before = await timeline_size(bot)
    assert declared.channel is not None
    message = await command(slack, people.alice, declared.channel, text)
    assert not done(message)
    note = await slack.wait_for_ephemeral(people.alice)
    assert answer in note.text and len(note.text) < 500
    assert await timeline_size(bot) == before


async def test_unicode_emoji_and_right_to_left_text_work_everywhere(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    title = "שגיאות בתשלום 💳🔥 — façade ünïcödé"
    declared = await declare(slack, people, title, summary="مرحبا 👋 RTL\u200f text")
    assert declared.channel is not None and declared.channel.name == "inc-1-facade-unicode"
    assert title in declared.headline.blocks[0]["text"]["text"]
    assert done(
        await command(slack, people.alice, declared.channel, "update 🚒 נפתר בחלקו — partially fixed")
    )
    entries = await bot.core.timeline.entries(1)
    assert entries[-1].text == "🚒 נפתר בחלקו — partially fixed"
    status, html, _ = await bot.get("/incidents/1")
    assert status == 200 and "שגיאות בתשלום 💳🔥" in html and "مرحبا 👋" in html


async def test_mass_mentions_and_disguised_links_are_echoed_inert(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    """Typed into the title and summary: nothing the bot posts can ping the channel or hide a link."""
    await slack.slash(people.alice, "placeholder", people.general)
    view = await slack.wait_for_view(people.alice)
    assert (
        await slack.submit(people.alice, view, {"title": HOSTILE, "summary": HOSTILE, "impact": HOSTILE})
    ).closed
    await slack.wait_for(lambda: slack.ephemerals(people.alice))
    room = next(c for c in slack.workspace.channels.values() if c.name.startswith("inc-1"))
    await slack.join(people.bob, room)
    await command(slack, people.bob, room, f"summary {HOSTILE}")  # arrives as Slack markup this time
    await command(slack, people.alice, room, "summary")
    await command(slack, people.alice, room, "duration")
    await slack.settled()
    posted = [
        c.args for c in slack.calls() if c.method in ("chat.postMessage", "chat.update", "chat.postEphemeral")
    ]
    texts = [str(args.get("text", "")) for args in posted] + [e.text for e in slack.workspace.ephemerals]
    # Slack parses mentions and links in mrkdwn text; plain_text (the headline's header) shows them literally.
    texts += [t for args in posted for t in mrkdwn_texts(args.get("blocks") or [])]
    texts += [t for e in slack.workspace.ephemerals for t in mrkdwn_texts(e.blocks)] + [room.topic]
    offending = [t for t in texts if RAW_TOKENS.search(t)]
    assert offending == []
    assert "&lt;!channel&gt;" in room.topic


@pytest.mark.parametrize("who", ["unknown", "deactivated", "bot"])
async def test_only_real_active_people_can_lead(
    bot: RunningBot, slack: FakeSlack, people: People, declared: Declared, who: str
) -> None:
    assert declared.channel is not None
    if who == "unknown":
        user_id = "U0NOBODY99"
    else:
        user_id = slack.add_user(who, deleted=who == "deactivated", is_bot=who == "bot").id
    message = await command(slack, people.alice, declared.channel, f"lead <@{user_id}>")
    assert not done(message)
    expected = {"unknown": "can't find", "deactivated": "deactivated", "bot": "is a bot"}[who]
    assert expected in (await slack.wait_for_ephemeral(people.alice)).text
    assert (await bot.core.incidents.get(1)).lead is None


async def test_a_bot_picked_as_lead_in_the_form_is_refused_in_the_form(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    robot = slack.add_user("deploybot", is_bot=True)
    await slack.slash(people.alice, "Deploys stuck", people.general)
    view = await slack.wait_for_view(people.alice)
    result = await slack.submit(people.alice, view, {"lead": robot.id})
    assert not result.closed and "is a bot" in result.errors["lead"]


async def test_an_edit_form_for_an_incident_that_no_longer_exists(
    bot: RunningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    await slack.click(people.bob, declared.headline, "headline_edit")
    view = await slack.wait_for_view(people.bob, "incident_edit")
    async with bot.core.db.transaction() as session:
        await session.execute(delete(TimelineEntry))
        await session.execute(delete(Incident))
    result = await slack.submit(people.bob, view, {"title": "Renamed"})
    assert not result.closed and "doesn't exist" in result.errors["title"]


async def test_tampered_private_metadata_is_refused_clearly(
    bot: RunningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    await slack.click(people.bob, declared.headline, "headline_edit")
    view = await slack.wait_for_view(people.bob, "incident_edit")
    view.payload["private_metadata"] = '{"incident_id": "one; DROP TABLE incidents"}'
    result = await slack.submit(people.bob, view, {"title": "Renamed"})
    assert not result.closed and "start again" in result.errors["title"]
    assert (await bot.core.incidents.get(1)).title == "Checkout errors"


async def test_events_from_channels_the_bot_has_never_seen_are_acked_and_ignored(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    stranger = slack.add_channel("random", people.alice)
    said = await slack.say(people.alice, stranger, "<@U0FAKEBOT> sev 1")
    await slack.pin(people.alice, said)
    await slack.rename_in_slack(people.alice, stranger, "random-2")
    await slack.settled()
    assert not slack.unacked()
    note = await slack.wait_for_ephemeral(people.alice)
    assert "work inside an incident's channel" in note.text
    slack.workspace.emit(
        {
            "type": "reaction_added",
            "user": people.alice.id,
            "reaction": "pushpin",
            "item": {"type": "message", "channel": "C0NEVERSEEN", "ts": "1.000001"},
        }
    )
    await slack.settled()
    assert not slack.unacked()
