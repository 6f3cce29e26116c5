"""Finding INCIDENT_CHANNEL at start, by name or ID, against the fake Slack's real Web API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from response_bot.errors import StartupError
from response_bot.slack.headline import incidents_channel
from response_bot.slack.transport.client import build_client
from tests.fakeslack import BOT_USER_ID, FakeSlack


@pytest.fixture
async def client(slack: FakeSlack) -> AsyncIterator[object]:
    async with aiohttp.ClientSession() as session:
        yield build_client(slack.bot_token, slack.api_url, session)


async def test_found_by_id_and_joined_when_public(slack: FakeSlack, client: object) -> None:
    channel = slack.add_channel("ops-incidents", bot=False)
    assert await incidents_channel.resolve(client, channel.id) == channel.id  # type: ignore[arg-type]
    assert BOT_USER_ID in channel.members


async def test_found_by_name_among_many_pages(slack: FakeSlack, client: object) -> None:
    for n in range(1200):
        slack.add_channel(f"noise-{n}", bot=False)
    wanted = slack.add_channel("incidents")
    assert await incidents_channel.resolve(client, "incidents") == wanted.id  # type: ignore[arg-type]
    assert [c.method for c in slack.calls()].count("conversations.join") == 0


async def test_private_channel_the_bot_is_not_in_is_reported_as_not_found(
    slack: FakeSlack, client: object
) -> None:
    slack.add_channel("incidents", private=True, bot=False)
    with pytest.raises(StartupError, match=r"'incidents' was not found.*invite the bot if it is private"):
        await incidents_channel.resolve(client, "incidents")  # type: ignore[arg-type]


async def test_archived_channel_is_refused(slack: FakeSlack, client: object) -> None:
    slack.add_channel("incidents").archived = True
    with pytest.raises(StartupError, match="archived"):
        await incidents_channel.resolve(client, "incidents")  # type: ignore[arg-type]


async def test_unknown_id_is_not_found(slack: FakeSlack, client: object) -> None:
    with pytest.raises(StartupError, match="'C999999999' was not found"):
        await incidents_channel.resolve(client, "C999999999")  # type: ignore[arg-type]
