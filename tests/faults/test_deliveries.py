"""Slack retries events and may deliver one to any connection: every delivery has one effect."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from response_bot.incidents.models import Incident
from response_bot.timeline.models import EntryKind, TimelineEntry
from tests.conftest import StartBot
from tests.fakeslack import FakeSlack, Message
from tests.fakeslack.socket import Delivery
from tests.support.bot import RunningBot
from tests.support.flows import command, declare
from tests.support.people import People


def delivery_of(slack: FakeSlack, message: Message, event_type: str) -> Delivery:
    return next(
        d
        for d in slack.hub.deliveries
        if d.payload.get("event", {}).get("type") == event_type and d.payload["event"].get("ts") == message.ts
    )


async def storm(slack: FakeSlack, delivery: Delivery) -> None:
    """Retries 1-3 of the same event, then the same event to every connection at once."""
    for attempt in (1, 2, 3):
        await slack.hub.redeliver(delivery, attempt)
    await slack.hub.send_to_all(delivery.kind, delivery.payload)
    await slack.settled()


async def count(bot: RunningBot, model: Any, *where: Any) -> int:
    async with bot.core.db.transaction() as session:
        return int(
            (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()
        )


async def two_replicas(
    start_bot: StartBot, slack: FakeSlack, **settings: Any
) -> tuple[RunningBot, RunningBot]:
    first = await start_bot(**settings)
    second = await start_bot(**settings)
    await slack.wait_connected(count=2)
    return first, second


async def test_a_command_retried_and_delivered_to_both_replicas_runs_once(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    first, _ = await two_replicas(start_bot, slack)
    room = (await declare(slack, people, "Checkout errors")).channel
    assert room is not None
    message = await command(slack, people.alice, room, "update Rolled back; errors falling")
    await storm(slack, delivery_of(slack, message, "app_mention"))
    assert await count(first, TimelineEntry, TimelineEntry.kind == EntryKind.UPDATE) == 1
    assert len([m for m in slack.messages(room) if "Update on Incident 1" in m.text]) == 1
    assert message.reactions == {"white_check_mark": ["U0FAKEBOT"]}
    assert len(slack.hub.deliveries) > 6 and not slack.unacked()


async def test_a_pin_and_a_keyword_delivered_many_times_are_captured_and_answered_once(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    first, second = await two_replicas(start_bot, slack, response_plugins="tests.plugins.example")
    room = (await declare(slack, people, "Checkout errors")).channel
    assert room is not None
    said = await slack.say(people.alice, room, "Following the runbook now")
    await slack.pin(people.alice, said)
    await slack.settled()
    await storm(slack, delivery_of(slack, said, "message"))
    pin = next(d for d in slack.hub.deliveries if d.payload.get("event", {}).get("type") == "pin_added")
    await storm(slack, pin)
    # The keyword's answer is posted after the ack: wait for it, then for anything else in flight.
    await slack.wait_for(lambda: any("runbooks.example.com" in m.text for m in slack.messages(room)))
    for bot in (first, second):
        await bot.running.slack.background.drain(5)
    await slack.settled()
    assert await count(first, TimelineEntry, TimelineEntry.kind == EntryKind.MESSAGE) == 1
    assert len([m for m in slack.messages(room) if "runbooks.example.com" in m.text]) == 1


async def test_a_submission_delivered_to_both_replicas_declares_one_incident(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    first, _ = await two_replicas(start_bot, slack)
    await slack.slash(people.alice, "Payments down", people.general)
    view = await slack.wait_for_view(people.alice)
    result = await slack.submit(people.alice, view)
    await slack.hub.send_to_all(result.delivery.kind, result.delivery.payload)
    await slack.settled()
    await slack.wait_for(lambda: slack.ephemerals(people.alice))
    assert await count(first, Incident) == 1
    assert len([m for m in slack.messages(people.incidents) if "Payments down" in m.text]) == 1
    assert len(slack.calls("conversations.create")) == 1


async def test_a_plugin_button_click_delivered_twice_acts_once(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    await start_bot(response_plugins="tests.plugins.example")
    declared = await declare(slack, people, "Payments down", severity="1")
    room = declared.channel
    assert room is not None
    click = await slack.click(people.bob, declared.headline, "example_page_oncall")
    await slack.hub.redeliver(click, 0)
    await slack.settled()
    await slack.wait_for_message(room, lambda m: "paged on-call" in m.text)
    assert len([m for m in slack.messages(room) if "paged on-call" in m.text]) == 1
