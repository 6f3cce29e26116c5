"""The database goes away for 30 seconds mid-run (a real PostgreSQL server, stopped and started)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from sqlalchemy import func, select

from response_bot.incidents.enums import Severity
from response_bot.incidents.models import Incident
from response_bot.timeline.models import EntryKind, TimelineEntry
from tests.fakeslack import FakeSlack
from tests.support.bot import RunningBot, bot_settings
from tests.support.flows import command, declare, done
from tests.support.people import People
from tests.support.pgcluster import PrivateCluster
from tests.support.waiting import eventually

pytestmark = pytest.mark.process
OUTAGE = 30.0


async def test_users_are_told_to_retry_the_link_stays_up_and_it_recovers_by_itself(
    slack: FakeSlack, people: People, cluster: PrivateCluster
) -> None:
    bot = await RunningBot(slack, bot_settings(slack, cluster.url)).start()
    try:
        room = (await declare(slack, people, "Before the outage")).channel
        assert room is not None
        connects = slack.hub.connects

        await cluster.stop_async()
        down_since = time.monotonic()

        status, body, _ = await bot.get("/healthz")
        assert status == 503 and json.loads(body) == {
            "status": "unavailable",
            "database": "down",
            "slack": "up",
        }

        # Declaring: the modal still opens (no database needed), submitting says to try again.
        await slack.slash(people.alice, "During the outage", people.general)
        view = await slack.wait_for_view(people.alice, "incident_declare")
        result = await slack.submit(people.alice, view)
        assert not result.closed and "isn't answering" in result.errors["title"]
        assert result.delivery.latency is not None and result.delivery.latency < 3  # inside Slack's window

        # A command: a clear private note, no ✅.
        message = await command(slack, people.alice, room, "sev 1")
        assert not done(message)
        note = await slack.wait_for_ephemeral(people.alice, lambda e: "isn't answering" in e.text)
        assert "try again" in note.text

        # The event loop is not blocked: plain chatter is acked promptly all through the outage.
        while time.monotonic() - down_since < OUTAGE:
            said = await slack.say(people.alice, room, "anyone?")
            await slack.settled()
            chatter = next(d for d in slack.hub.deliveries if d.payload.get("event", {}).get("ts") == said.ts)
            assert chatter.latency is not None and chatter.latency < 0.5
            await asyncio.sleep(5)
        assert slack.hub.connects == connects and slack.hub.open_connections  # the link never dropped

        await cluster.start_async()

        async def healthy() -> bool:
            return (await bot.get("/healthz"))[0] == 200

        await eventually(healthy, timeout=15)

        # The same form, submitted again, now works; and so does the command. Nothing twice.
        again = await slack.submit(people.alice, view)
        assert again.closed
        await slack.wait_for(
            lambda: [m for m in slack.messages(people.incidents) if "During the outage" in m.text]
        )
        assert done(await command(slack, people.alice, room, "sev 1"))
        async with bot.core.db.transaction() as session:
            titles = (await session.execute(select(Incident.title).order_by(Incident.id))).scalars().all()
            severity_changes = (
                await session.execute(
                    select(func.count())
                    .select_from(TimelineEntry)
                    .where(TimelineEntry.kind == EntryKind.SEVERITY)
                )
            ).scalar_one()
        assert titles == ["Before the outage", "During the outage"]
        assert severity_changes == 1
        assert (await bot.core.incidents.get(1)).severity is Severity.CRITICAL
    finally:
        await bot.stop()
