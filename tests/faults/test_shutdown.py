"""Stopping the real process: SIGTERM finishes what it took on and takes nothing new; SIGKILL at any
moment loses nothing that Slack was told had been handled."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from response_bot.db.engine import Database
from response_bot.incidents.enums import Severity, Status
from response_bot.incidents.models import Incident
from tests.fakeslack import BOT_USER_ID, FakeSlack
from tests.support.databases import PostgresTemplate
from tests.support.flows import declare
from tests.support.people import People
from tests.support.process import clean_env, start_bot_process
from tests.support.waiting import eventually

pytestmark = pytest.mark.process


async def incidents_in(url: str) -> list[Incident]:
    db = Database(url)
    try:
        async with db.transaction() as session:
            return list((await session.execute(select(Incident).order_by(Incident.id))).scalars())
    finally:
        await db.dispose()


async def test_sigterm_finishes_in_flight_work_takes_nothing_new_and_exits_in_time(
    slack: FakeSlack, people: People, postgres_template: PostgresTemplate, tmp_path: Path
) -> None:
    await postgres_template.reset()
    env = clean_env(**slack.env(), DATABASE_URL=postgres_template.url, HTTP_PORT="0")
    process = await start_bot_process(env, tmp_path, "--no-migrate")
    try:
        await slack.wait_connected(timeout=20)
        room = (await declare(slack, people, "Disk full")).channel
        assert room is not None
        slack.hub.retry_delays = (30.0, 30.0, 30.0)  # no redelivery inside this test
        slack.fail("reactions.add", None, hold=1.5)  # the first command is still finishing when SIGTERM comes

        first = await slack.say(people.alice, room, f"<@{BOT_USER_ID}> sev 1")
        await slack.wait_for(lambda: [c for c in slack.arrivals if c.method == "reactions.add"], timeout=10)
        process.send_signal(signal.SIGTERM)
        stopping = time.monotonic()

        async def shutting_down() -> bool:
            return "shutting down" in (tmp_path / "bot.log").read_text()

        await eventually(shutting_down)  # the process has seen the signal: it takes nothing new now
        second = await slack.say(people.alice, room, f"<@{BOT_USER_ID}> status identified")
        code = await asyncio.wait_for(process.wait(), 12)
        took = time.monotonic() - stopping
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert code == 0 and took < 10

    def mention(ts: str) -> list[object]:
        return [
            d
            for d in slack.hub.deliveries
            if d.payload.get("event", {}).get("type") == "app_mention" and d.payload["event"]["ts"] == ts
        ]

    [handled] = mention(first.ts)
    assert handled.acked_at is not None and "white_check_mark" in first.reactions  # finished and acked
    await slack.wait_for(lambda: all(d.acked.done() for d in mention(second.ts)), timeout=5)
    assert all(d.acked_at is None for d in mention(second.ts))  # left for another connection
    [incident] = await incidents_in(postgres_template.url)
    assert incident.severity is Severity.CRITICAL and incident.status is Status.INVESTIGATING


async def test_sigkill_at_any_moment_loses_no_acknowledged_declaration(
    slack: FakeSlack, people: People, postgres_template: PostgresTemplate, tmp_path: Path
) -> None:
    await postgres_template.reset()
    env = clean_env(**slack.env(), DATABASE_URL=postgres_template.url, HTTP_PORT="0")
    process = await start_bot_process(env, tmp_path, "--no-migrate")
    submissions = []
    try:
        await slack.wait_connected(timeout=20)
        views = []
        for n in range(12):
            reporter = slack.add_user(f"reporter{n}")  # each with their own modal open
            people.general.members.add(reporter.id)
            await slack.slash(reporter, f"Incident number {n}", people.general)
            views.append((reporter, await slack.wait_for_view(reporter, "incident_declare")))
        submissions = [asyncio.ensure_future(slack.submit(reporter, view)) for reporter, view in views]

        def acked() -> int:
            return len(
                [d for d in slack.hub.deliveries if d.payload.get("type") == "view_submission" and d.acked_at]
            )

        await slack.wait_for(lambda: acked() >= 3, timeout=10)
        process.send_signal(signal.SIGKILL)  # mid-stream: some acked, some in flight, some not yet read
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    results = await asyncio.gather(*submissions, return_exceptions=True)
    acked = [
        r.delivery.payload["view"]["id"] for r in results if not isinstance(r, BaseException) and r.closed
    ]
    stored = {i.declare_key for i in await incidents_in(postgres_template.url)}
    assert acked, "the process should have acknowledged some declarations before it was killed"
    missing = [view_id for view_id in acked if f"view:{view_id}" not in stored]
    assert missing == []
