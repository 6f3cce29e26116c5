"""Nudges: the owner of a follow-up past its due date hears about it by DM once a working day, at
most REMINDER_FOLLOWUP_MAX times, never once it is done, and can mark it done from the DM."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import update

from response_bot.followups.models import FollowUp
from response_bot.notifications.timing import WorkingHours
from response_bot.scheduling.nudges import FollowUpNudges
from tests.conftest import StartBot
from tests.fakeslack import FakeSlack, Message
from tests.support.bot import RunningBot
from tests.support.flows import command, declare, done, said
from tests.support.people import People

LATE = date(2026, 11, 30)  # a Monday, before every day the tests' clocks show


def zone_at_noon() -> str:
    """A fixed-offset zone where it is around midday now, so "now" is inside working hours."""
    offset = (12 - datetime.now(UTC).hour + 12) % 24 - 12  # local hour = UTC hour + offset
    return "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


async def overdue(bot: RunningBot, *followup_ids: int) -> None:
    async with bot.core.db.transaction() as session:
        await session.execute(update(FollowUp).where(FollowUp.id.in_(followup_ids)).values(due_on=LATE))


def nudges(slack: FakeSlack, people: People) -> list[Message]:
    return [m for m in slack.dms(people.bob) if "was due" in m.text]


async def test_an_overdue_owner_gets_a_dm_with_a_done_button_that_tells_the_channel(
    slack: FakeSlack, people: People, start_bot: StartBot
) -> None:
    bot = await start_bot(
        working_hours="mon-sun 08:00-16:00",
        business_timezone=zone_at_noon(),
        reminder_followup_max=1,
        announce_check_after="1s",
        scheduler_tick="1s",
    )
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    assert done(await command(slack, people.alice, room, f"followup Add a canary <@{people.bob.id}>"))
    await overdue(bot, 1)
    [nudge] = [await slack.wait_for(lambda: nudges(slack, people) or None, timeout=10)][0]
    assert f"A follow-up you own from <#{room.id}> was due Mon 30 Nov: Add a canary" in nudge.text
    assert "Reminder 1 of at most 1" in str(nudge.blocks) and "last reminder" in str(nudge.blocks)
    await slack.click(people.bob, nudge, "followup_done")
    told = await slack.wait_for(lambda: said(slack, room, "marked a follow-up done"))
    assert told.text.startswith(f"✅ <@{people.bob.id}>")
    await slack.wait_for_ephemeral(people.bob, lambda e: f"Marked done; <#{room.id}> has been told" in e.text)
    assert (await bot.core.incidents.followup(1)).done


async def test_one_nudge_a_working_day_at_most_the_limit_and_none_once_done(
    slack: FakeSlack, people: People, start_bot: StartBot
) -> None:
    # The bot's own sweep is off (0): the test's clock drives a sweep of its own.
    bot = await start_bot(reminder_followup_max=0)
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    for text in ("Add a canary", "Fix the alert", "Rotate the key"):
        assert done(await command(slack, people.alice, room, f"followup {text} <@{people.bob.id}>"))
    assert done(
        await command(slack, people.alice, room, f"followup Due later <@{people.bob.id}> due 2099-01-01")
    )
    await overdue(bot, 1, 2, 3)
    await bot.core.incidents.set_followup_done(3, True, actor=None)  # type: ignore[arg-type]
    now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Monday, before work

    def at(moment: datetime) -> datetime:
        nonlocal now
        now = moment
        return now

    sweep = FollowUpNudges(
        bot.core.incidents, WorkingHours.parse("mon-fri 09:00-18:00", "UTC"), 2, clock=lambda: now
    )
    counts = []
    for moment in (
        datetime(2026, 12, 7, 8, 0, tzinfo=UTC),  # Monday, before work: nothing
        datetime(2026, 12, 7, 10, 0, tzinfo=UTC),  # Monday at work: both late ones
        datetime(2026, 12, 7, 15, 0, tzinfo=UTC),  # later that day: nothing more
        datetime(2026, 12, 12, 10, 0, tzinfo=UTC),  # Saturday: nothing
        datetime(2026, 12, 14, 10, 0, tzinfo=UTC),  # the next Monday: the second and last
        datetime(2026, 12, 15, 10, 0, tzinfo=UTC),  # Tuesday: the limit is reached
    ):
        at(moment)
        counts.append(await sweep.sweep())
    assert counts == [0, 2, 0, 0, 2, 0]
    sent = await slack.wait_for(lambda: len(nudges(slack, people)) == 4 and nudges(slack, people))
    assert sorted(m.text.rsplit(": ", 1)[1] for m in sent) == [
        "Add a canary",
        "Add a canary",
        "Fix the alert",
        "Fix the alert",
    ]
    assert sum("Reminder 2 of at most 2" in str(m.blocks) for m in sent) == 2


async def test_a_follow_up_done_before_its_nudge_goes_out_gets_none(
    slack: FakeSlack, people: People, start_bot: StartBot
) -> None:
    bot = await start_bot(reminder_followup_max=0)
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    assert done(await command(slack, people.alice, room, f"followup Add a canary <@{people.bob.id}>"))
    await overdue(bot, 1)
    monday = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    sweep = FollowUpNudges(
        bot.core.incidents, WorkingHours.parse("mon-fri 09:00-18:00", "UTC"), 3, clock=lambda: monday
    )
    await bot.core.incidents.set_followup_done(1, True, actor=None)  # type: ignore[arg-type]
    assert await sweep.sweep() == 0
    assert not await bot.core.incidents.nudge(1, monday.date(), 3)


async def test_two_replicas_sweeping_at_once_send_one_nudge(
    slack: FakeSlack, people: People, start_bot: StartBot
) -> None:
    bot = await start_bot(reminder_followup_max=0)
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    assert done(await command(slack, people.alice, room, f"followup Add a canary <@{people.bob.id}>"))
    await overdue(bot, 1)
    monday = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    hours = WorkingHours.parse("mon-fri 09:00-18:00", "UTC")
    sweeps = [FollowUpNudges(bot.core.incidents, hours, 3, clock=lambda: monday) for _ in range(2)]
    assert sum(await asyncio.gather(*(s.sweep() for s in sweeps))) == 1
    await slack.wait_for(lambda: nudges(slack, people))
    assert len(nudges(slack, people)) == 1
