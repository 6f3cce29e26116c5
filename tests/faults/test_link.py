"""Slack drops the Socket Mode link: the bot reconnects by itself, keeps handling, and says so honestly."""

from __future__ import annotations

import json

import pytest

from tests.fakeslack import FakeSlack
from tests.support.bot import RunningBot
from tests.support.people import People
from tests.support.waiting import eventually


@pytest.mark.parametrize("how", ["close", "refresh_requested", "warning", "link_disabled"])
async def test_the_bot_reconnects_and_keeps_handling(
    bot: RunningBot, slack: FakeSlack, people: People, how: str
) -> None:
    before = slack.hub.connects
    if how == "close":
        await slack.hub.kill_all()
    else:
        await slack.hub.disconnect_all(how)
    await slack.wait_for(lambda: slack.hub.connects > before and slack.hub.open_connections, timeout=15)
    await slack.slash(people.alice, "Still there?", people.general)
    view = await slack.wait_for_view(people.alice, "incident_declare")
    assert view.input("title")["initial_value"] == "Still there?"


async def test_health_tells_the_truth_while_the_link_is_down(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    slack.hub.refuse_connections = "link_disabled"
    await slack.hub.kill_all()

    async def slack_down() -> bool:
        status, body, _ = await bot.get("/healthz")
        return status == 503 and json.loads(body)["slack"] == "down"

    await eventually(slack_down)
    slack.hub.refuse_connections = None

    async def back_up() -> bool:
        return (await bot.get("/healthz"))[0] == 200

    await eventually(back_up, timeout=15)
    await slack.slash(people.alice, "Back again", people.general)
    await slack.wait_for_view(people.alice, "incident_declare")
