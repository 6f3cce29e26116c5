"""The listener tier (see tests/support/listening.py): `bot` here is the Bolt app with its listeners
and services on a fresh database (SQLite and Postgres), without a link, a web server or a ticker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import pytest

from tests.fakeslack import FakeSlack
from tests.support.bot import bot_settings
from tests.support.listening import ListeningBot, listening
from tests.support.people import People

StartBot = Callable[..., Awaitable[ListeningBot]]


@pytest.fixture
async def start_bot(slack: FakeSlack, people: People, database_url: str) -> AsyncIterator[StartBot]:
    """The app with settings overridden (e.g. timeline_emoji=":bookmark:"); taken down after the test."""
    async with AsyncExitStack() as stack:

        async def start(**overrides: object) -> ListeningBot:
            settings = bot_settings(slack, database_url, **overrides)
            return await stack.enter_async_context(listening(settings, slack))

        yield start
    assert not slack.unacked(), f"envelopes Slack saw no ack for: {slack.unacked()}"


@pytest.fixture
async def bot(start_bot: StartBot) -> ListeningBot:
    return await start_bot()
