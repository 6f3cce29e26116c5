"""Follow-ups that get done: an owner and a due date as typed, a list with Done and Reopen, and the
same on the doc page, the report and the JSON API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from response_bot.followups.models import FollowUp
from response_bot.timeline.models import EntryKind, TimelineEntry
from tests.fakeslack import Channel, FakeSlack, Message
from tests.support.flows import Declared, command, declare, done, field_text
from tests.support.listening import ListeningBot
from tests.support.people import People


@pytest.fixture
async def declared(bot: ListeningBot, slack: FakeSlack, people: People) -> Declared:
    result = await declare(slack, people, "Checkout errors")
    assert result.channel is not None
    await slack.join(people.bob, result.channel)
    await slack.settled()
    return result


def room(declared: Declared) -> Channel:
    assert declared.channel is not None
    return declared.channel


async def stored(bot: ListeningBot) -> list[FollowUp]:
    async with bot.core.db.transaction() as session:
        return list((await session.scalars(select(FollowUp).order_by(FollowUp.id))).all())


async def followup_entries(bot: ListeningBot) -> list[str]:
    async with bot.core.db.transaction() as session:
        rows = await session.scalars(
            select(TimelineEntry.text)
            .where(TimelineEntry.kind == EntryKind.FOLLOWUP)
            .order_by(TimelineEntry.id)
        )
        return list(rows.all())


def listing(slack: FakeSlack, channel: Channel, showing: str = "") -> Message | None:
    found = [m for m in slack.messages(channel) if m.text.startswith("Follow-ups for Incident 1")]
    return found[-1] if found and showing in found[-1].text else None


async def test_an_owner_and_a_due_date_are_read_off_the_end_and_shown_in_the_list(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    today = date.today()
    due = today + timedelta(days=3)
    assert done(
        await command(slack, people.alice, room(declared), f"followup Add a canary <@{people.bob.id}> due 3d")
    )
    assert done(await command(slack, people.alice, room(declared), "action Write the runbook"))
    first, second = await stored(bot)
    assert (first.text, first.due_on) == ("Add a canary", due)
    assert second.due_on is None and second.owner_id == second.created_by_id  # the writer owns it
    assert await followup_entries(bot) == [
        f"Follow-up: Add a canary (owner <@{people.bob.id}>) (due {due.isoformat()})",
        "Follow-up: Write the runbook",
    ]
    await command(slack, people.alice, room(declared), "followups")

    shown = await slack.wait_for(lambda: listing(slack, room(declared)))
    body = str(shown.blocks)
    assert "0 of 2 done" in shown.text
    assert f"<@{people.bob.id}> · due {due:%a %d %b}" in body and f"<@{people.alice.id}>" in body
    assert body.count("followup_done") == 2


async def test_done_and_reopen_change_it_once_each_and_say_so(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    await command(slack, people.alice, room(declared), "followup Add a canary")
    await command(slack, people.alice, room(declared), "followups")
    shown = await slack.wait_for(lambda: listing(slack, room(declared)))
    click = await slack.click(people.bob, shown, "followup_done")
    await slack.hub.redeliver(click)  # Slack retried the click: still one change
    await slack.wait_for(
        lambda: any("marked a follow-up done" in m.text for m in slack.messages(room(declared)))
    )
    [followup] = await stored(bot)
    assert followup.done and followup.done_at is not None
    await command(slack, people.alice, room(declared), "actions")
    again = await slack.wait_for(
        lambda: "1 of 1 done" in listing(slack, room(declared)).text and listing(slack, room(declared))
    )
    assert "followup_reopen" in str(again.blocks)
    await slack.click(people.bob, again, "followup_reopen")
    await slack.wait_for(
        lambda: any("reopened a follow-up" in m.text for m in slack.messages(room(declared)))
    )
    [followup] = await stored(bot)
    assert not followup.done
    assert await followup_entries(bot) == [
        "Follow-up: Add a canary",
        "Follow-up done: Add a canary",
        "Follow-up reopened: Add a canary",
    ]


async def test_an_unreadable_due_date_a_bot_or_a_stranger_as_owner_is_explained_and_nothing_logged(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    robot = slack.add_user("deploybot", is_bot=True)
    message = await command(slack, people.alice, room(declared), "followup Add a canary due someday")
    assert not done(message)
    note = await slack.wait_for_ephemeral(people.alice, lambda e: "isn't a date" in e.text)
    assert "fri, 3d, 2w or tomorrow" in note.text
    await command(slack, people.alice, room(declared), f"followup Add a canary <@{robot.id}>")
    await slack.wait_for_ephemeral(people.alice, lambda e: "is a bot" in e.text)
    await command(slack, people.alice, room(declared), "followup Add a canary <@U0NOBODY1>")
    await slack.wait_for_ephemeral(people.alice, lambda e: "U0NOBODY1" in e.text)
    assert await stored(bot) == []


async def test_a_closed_incidents_headline_counts_the_follow_ups_done(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    await command(slack, people.alice, room(declared), "followup Add a canary")
    await command(slack, people.alice, room(declared), "followup Write the runbook")
    assert "Follow-ups" not in field_text(declared.headline)  # open: the headline is about now
    assert done(await command(slack, people.alice, room(declared), "close"))
    await slack.wait_for(lambda: "*Follow-ups*\n0 of 2 done" in field_text(declared.headline))
    await command(slack, people.alice, room(declared), "followups")
    shown = await slack.wait_for(lambda: listing(slack, room(declared)))
    await slack.click(people.alice, shown, "followup_done")
    await slack.wait_for(lambda: "*Follow-ups*\n1 of 2 done" in field_text(declared.headline))
