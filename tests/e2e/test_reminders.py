"""Reminders and nudges end to end: the real app, its ticker and dispatcher, and the fake Slack.

These run in real time (a one-second tick), so they run on Postgres only; the outbox's rules are
covered on both databases, with a controlled clock, in tests/integration/test_notifications.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from response_bot.notifications.models import Delivery, Notification
from tests.conftest import StartBot
from tests.fakeslack import Channel, FakeSlack, Message
from tests.support.bot import RunningBot
from tests.support.flows import command, declare
from tests.support.people import People
from tests.support.waiting import eventually

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)

FAST = {
    "scheduler_tick": "1s",
    "notification_lease": "3s",
    "reminder_lead_interval": "1s",
    "reminder_lead_max": 2,
    "reminder_severity_interval": "1s",
    "reminder_severity_max": 1,
    "reminder_close_max": 0,
    "status_update_cadence": "",
}


def notification(message: Message) -> bool:
    return bool(message.metadata) and message.metadata.get("event_type") == "incident_notification"  # type: ignore[union-attr]


def reminders(slack: FakeSlack, channel: Channel, words: str) -> list[Message]:
    return [m for m in slack.messages(channel) if notification(m) and words in m.text]


def is_notification_post(args: dict[str, Any]) -> bool:
    return notification(Message("", "", "", metadata=args.get("metadata")))


async def waiting(bot: RunningBot, kind: str) -> list[Notification]:
    """Rows of this kind still to come: none means the reminder has stopped for good."""
    async with bot.core.db.transaction() as session:
        rows = await session.execute(
            select(Notification).where(
                Notification.kind == kind, Notification.status.in_([Delivery.PENDING, Delivery.SENDING])
            )
        )
        return list(rows.scalars())


async def stopped(bot: RunningBot, *kinds: str) -> None:
    """Every send of these kinds is recorded and nothing more is scheduled (waits out the last commit)."""

    async def none_left() -> bool:
        for kind in kinds:
            if await waiting(bot, kind):
                return False
        return True

    await eventually(none_left)


async def test_lead_and_severity_reminders_fire_up_to_their_limits(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    bot = await start_bot(**FAST)
    room = (await declare(slack, people, "Disk full")).channel
    assert room is not None
    await slack.wait_for(lambda: len(reminders(slack, room, "doesn't have a lead")) == 2, timeout=10)
    await slack.wait_for(lambda: len(reminders(slack, room, "doesn't have a severity")) == 1, timeout=10)
    await stopped(bot, "lead", "severity")  # nothing more to come


async def test_a_reminder_stops_once_its_condition_is_met(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    bot = await start_bot(**{**FAST, "reminder_lead_max": 5})
    room = (await declare(slack, people, "Disk full")).channel
    assert room is not None
    await slack.wait_for(lambda: reminders(slack, room, "doesn't have a lead"), timeout=10)
    await command(slack, people.alice, room, "lead")
    sent = len(reminders(slack, room, "doesn't have a lead"))

    async def rechecked() -> bool:
        rows = await waiting(bot, "lead")
        return (
            len(rows) == 1
            and rows[0].status is Delivery.PENDING
            and rows[0].attempts == 0
            and (rows[0].occurrence == sent + 1)
        )

    await eventually(rechecked, timeout=5)  # looked at again and put back: no send used up
    assert len(reminders(slack, room, "doesn't have a lead")) == sent


async def test_closing_sends_the_lead_a_dm_asking_for_the_report(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    bot = await start_bot(**FAST)
    room = (await declare(slack, people, "Disk full", lead=people.bob.id)).channel
    assert room is not None
    await slack.join(people.bob, room)
    await command(slack, people.bob, room, "close")
    dm = await slack.wait_for(lambda: slack.dms(people.bob), timeout=5)
    assert "is closed" in dm[-1].text and "http://docs.example.test/incidents/1/report.md" in dm[-1].text
    await slack.wait_for(lambda: not slack.hub.in_flight)
    assert len(slack.dms(people.bob)) == 1
    await stopped(bot, "lead", "report")  # closing stopped the reminders


async def test_rate_limits_and_server_errors_are_retried_and_sent_once(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    bot = await start_bot(**{**FAST, "reminder_lead_max": 1, "reminder_severity_max": 0})
    slack.fail("chat.postMessage", "ratelimited", status=429, retry_after=1, match=is_notification_post)
    slack.fail("chat.postMessage", "service_unavailable", status=503, match=is_notification_post)
    room = (await declare(slack, people, "Disk full")).channel
    assert room is not None
    await slack.wait_for(lambda: reminders(slack, room, "doesn't have a lead"), timeout=20)
    attempts = [c for c in slack.calls("chat.postMessage") if is_notification_post(c.args)]
    assert [c.response.get("error") for c in attempts] == ["ratelimited", "service_unavailable", None]
    assert len(reminders(slack, room, "doesn't have a lead")) == 1
    await stopped(bot, "lead")


async def test_reminders_due_during_a_restart_are_sent_late_once(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    bot = await start_bot(
        **{**FAST, "reminder_lead_interval": "2s", "reminder_lead_max": 1, "reminder_severity_max": 0}
    )
    room = (await declare(slack, people, "Disk full")).channel
    assert room is not None
    await bot.stop()
    await asyncio.sleep(6)  # the bot is down while the reminder comes due
    assert reminders(slack, room, "doesn't have a lead") == []
    await bot.start()
    [late] = await slack.wait_for(lambda: reminders(slack, room, "doesn't have a lead"), timeout=10)
    assert "late: the bot was unavailable" in late.text
    await stopped(bot, "lead")


async def test_plugin_notifications_run_as_declared(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    await start_bot(
        **{**FAST, "reminder_lead_max": 0, "reminder_severity_max": 0},
        response_plugins="tests.plugins.timers",
    )
    room = (await declare(slack, people, "Disk full")).channel
    assert room is not None
    await slack.wait_for(lambda: len(reminders(slack, room, "Stretch break for Incident 1")) == 2, timeout=10)
    await slack.wait_for(lambda: len(reminders(slack, room, "checked the status page")) == 1, timeout=10)
    await asyncio.sleep(2.5)
    assert len(reminders(slack, room, "Stretch break")) == 2
    assert len(reminders(slack, room, "checked the status page")) == 1


async def test_health_is_unaffected_and_acks_stay_prompt_while_reminders_go_out(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    bot: RunningBot = await start_bot(**{**FAST, "reminder_lead_max": 5})
    room = (await declare(slack, people, "Disk full")).channel
    assert room is not None
    await slack.wait_for(lambda: reminders(slack, room, "doesn't have a lead"), timeout=10)
    said = await slack.say(people.alice, room, "still looking")
    await slack.settled()
    delivery = next(d for d in slack.hub.deliveries if d.payload.get("event", {}).get("ts") == said.ts)
    assert delivery.latency is not None and delivery.latency < 0.5
    status, _, _ = await bot.get("/healthz")
    assert status == 200
