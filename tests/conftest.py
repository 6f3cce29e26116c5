"""Shared fixtures: the fake Slack, test databases (Postgres and SQLite), and the running bot."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from response_bot.db import migrate
from tests.fakeslack import FakeSlack
from tests.fakevendors.jira import FakeJira
from tests.fakevendors.linear import FakeLinear
from tests.fakevendors.pagerduty import FakePagerDuty
from tests.fakevendors.pagerduty_rest import FakePagerDutyRest
from tests.fakevendors.statuspage import FakeStatuspage
from tests.fakevendors.zoom import FakeZoom
from tests.support.bot import RunningBot, bot_settings
from tests.support.databases import PostgresTemplate, SqliteTemplate, off_loop
from tests.support.people import People, the_usual
from tests.support.pgcluster import PrivateCluster

# slack_sdk sends even loopback traffic through these; tests must never use a proxy.
for _name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_name, None)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[PostgresTemplate]:
    template = PostgresTemplate()
    template.create()
    yield template
    template.drop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    template = SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))
    template.create()
    return template


@pytest.fixture
async def cluster() -> AsyncIterator[PrivateCluster]:
    """A migrated PostgreSQL server of the test's own, which it may stop, restart or shut down."""
    if not PrivateCluster.available():
        pytest.fail("PostgreSQL server binaries are needed (apt-get install postgresql)")
    server = await asyncio.to_thread(lambda: PrivateCluster().create())
    off_loop(lambda: migrate.upgrade(server.url))
    yield server
    await asyncio.to_thread(server.destroy)


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: each test runs once on SQLite and once on Postgres."""
    if request.param == "sqlite":
        template: SqliteTemplate = request.getfixturevalue("sqlite_template")
        return template.copy_to(tmp_path)
    postgres: PostgresTemplate = request.getfixturevalue("postgres_template")
    await postgres.reset()
    return postgres.url


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def pagerduty() -> AsyncIterator[FakePagerDuty]:
    fake = await FakePagerDuty().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def pagerduty_rest() -> AsyncIterator[FakePagerDutyRest]:
    fake = await FakePagerDutyRest().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def statuspage() -> AsyncIterator[FakeStatuspage]:
    fake = await FakeStatuspage().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def zoom() -> AsyncIterator[FakeZoom]:
    fake = await FakeZoom().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def jira() -> AsyncIterator[FakeJira]:
    fake = await FakeJira().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def linear() -> AsyncIterator[FakeLinear]:
    fake = await FakeLinear().start()
    yield fake
    await fake.stop()


@pytest.fixture
def people(slack: FakeSlack) -> People:
    return the_usual(slack)


StartBot = Callable[..., Awaitable[RunningBot]]


@pytest.fixture
async def start_bot(slack: FakeSlack, people: People, database_url: str) -> AsyncIterator[StartBot]:
    """Start the bot with settings overridden (e.g. auto_create_channel=False); stopped after the test."""
    started: list[RunningBot] = []

    async def start(**overrides: object) -> RunningBot:
        running = await RunningBot(slack, bot_settings(slack, database_url, **overrides)).start()
        started.append(running)
        return running

    yield start
    for running in started:
        await running.stop()
    assert not slack.unacked(), f"envelopes Slack saw no ack for: {slack.unacked()}"


@pytest.fixture
async def bot(start_bot: StartBot) -> RunningBot:
    return await start_bot()
