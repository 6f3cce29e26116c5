"""A handler that crashes: the person sees a short message with a reference, the log has the rest, and
the bot carries on."""

from __future__ import annotations

import logging
import re

import pytest

from tests.conftest import StartBot
from tests.fakeslack import FakeSlack
from tests.support.flows import command, declare, done
from tests.support.people import People


async def test_a_crashing_command_reports_a_reference_and_the_bot_carries_on(
    start_bot: StartBot, slack: FakeSlack, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    await start_bot(response_plugins="tests.plugins.crashy")
    room = (await declare(slack, people, "Cache cold")).channel
    assert room is not None
    with caplog.at_level(logging.ERROR, logger="response_bot.errors"):
        message = await command(slack, people.alice, room, "explode")
        note = await slack.wait_for_ephemeral(people.alice, lambda e: "Reference" in e.text)
    assert not done(message)
    reference = re.search(r"Reference `([0-9a-f]{8})`", note.text)
    assert reference is not None and "tripped" not in note.text  # no internals shown
    assert f"reference {reference.group(1)}" in caplog.text and "tripped over its own feet" in caplog.text
    assert done(await command(slack, people.alice, room, "sev 2"))  # still working


async def test_a_crashing_event_handler_is_logged_and_costs_nothing_else(
    start_bot: StartBot, slack: FakeSlack, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot(response_plugins="tests.plugins.crashy")
    room = (await declare(slack, people, "Cache cold")).channel
    assert room is not None
    with caplog.at_level(logging.ERROR):
        await slack.rename_in_slack(people.alice, room, "inc-1-cache-stampede")
        await slack.settled()
        await slack.wait_for(lambda: "reference" in caplog.text)
    assert (await bot.core.incidents.get(1)).channel_name == "inc-1-cache-stampede"
    assert not slack.unacked()


async def test_an_unexpected_error_before_the_ack_keeps_the_modal_open_with_a_reference(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    """A submission the bot can't make sense of (here: no view id) hits the one error handler."""
    await start_bot()
    await slack.slash(people.alice, "Broken", people.general)
    view = await slack.wait_for_view(people.alice)
    result = await slack.submit(people.alice, view)  # a normal one works
    assert result.closed
    await slack.slash(people.alice, "Broken again", people.general)
    view = await slack.wait_for_view(people.alice)
    payload = {
        "type": "view_submission",
        "user": {"id": people.alice.id},
        "team": {"id": "T0FAKE001"},
        "view": {**view.to_api(), "id": None},
    }
    del payload["view"]["id"]
    delivery = await slack.hub.send("interactive", payload)
    await slack.wait_for(lambda: delivery.acked.done())
    ack = delivery.ack_payload or {}
    assert ack.get("response_action") == "errors" and "Reference" in ack["errors"]["title"]
