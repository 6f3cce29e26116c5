"""Acked means done: a replica dies (or its database vanishes) at each named point between a stored
change and the end of its effects, and everything the change needs still appears in Slack, once.

The replica is killed in-process (tests/support/crash.py): its socket drops, its tasks stop where
they are and it releases nothing, as after SIGKILL. A second replica starts and finishes the work
once the first one's leases run out. A few of the same points with a real SIGKILL of a real
process are in test_crash_process.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from response_bot import crashpoints
from response_bot.effects.models import Effect, EffectStatus
from response_bot.incidents.announcements import DECLARATION, EffectKind
from response_bot.incidents.enums import Status
from response_bot.incidents.models import Incident
from response_bot.timeline.models import EntryKind, TimelineEntry
from tests.conftest import StartBot
from tests.fakeslack import BOT_USER_ID, Channel, FakeSlack, Message
from tests.support.bot import RunningBot
from tests.support.crash import die_at, forgive_the_dead, vanish_at
from tests.support.databases import PostgresTemplate
from tests.support.flows import declare, field_text, is_headline
from tests.support.people import People
from tests.support.tcpproxy import TcpProxy
from tests.support.waiting import eventually

# Several replicas share one database: that is Postgres (the embedded SQLite serves one process).
ON_POSTGRES = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)

FAST = {
    "scheduler_tick": "1s",
    "notification_lease": "1s",
    "reminder_lead_max": 0,
    "reminder_severity_max": 0,
    "reminder_close_max": 0,
    "status_update_cadence": "",
}
TITLE = "Payments down"


def around(*kinds: EffectKind) -> list[str]:
    return [f"{when}:{kind}" for kind in kinds for when in ("before", "after")]


@pytest.fixture(autouse=True)
def disarmed() -> Iterator[None]:
    yield
    crashpoints.disarm_all()


async def all_effects_done(bot: RunningBot, timeout: float = 15) -> list[Effect]:
    async def finished() -> list[Effect] | None:
        async with bot.core.db.transaction() as session:
            rows = list((await session.scalars(select(Effect).order_by(Effect.id))).all())
        return rows if rows and all(r.status == EffectStatus.DONE for r in rows) else None

    return await eventually(finished, timeout=timeout, every=0.1)


def metadata_of(message: Message) -> dict[str, Any]:
    return message.metadata or {}


def headlines_of(slack: FakeSlack, people: People, incident_id: int) -> list[Message]:
    return [
        m
        for m in slack.messages(people.incidents)
        if is_headline(m) and metadata_of(m).get("event_payload", {}).get("incident_id") == incident_id
    ]


async def the_incident(bot: RunningBot) -> Incident:
    async with bot.core.db.transaction() as session:
        [incident] = (await session.scalars(select(Incident).where(Incident.title == TITLE))).all()
        return incident


async def assert_declared_once(bot: RunningBot, slack: FakeSlack, people: People) -> Channel:
    """One incident, one channel (furnished), one headline linking it; nothing doubled."""
    await all_effects_done(bot)
    incident = await the_incident(bot)
    made = [
        c
        for c in slack.workspace.channels.values()
        if c.creator == BOT_USER_ID and c.name.startswith(f"inc-{incident.id}-")
    ]
    assert [c.id for c in made] == [incident.channel_id], "one channel, and the incident knows it"
    channel = made[0]
    assert {people.alice.id, people.bob.id} <= channel.members
    doc = f"http://docs.example.test/incidents/{incident.id}"
    assert channel.topic == f"🔍 Investigating | {TITLE} | {doc}"
    assert len([m for m in channel.messages if m.subtype == "channel_topic"]) == 1
    assert [b["link"] for b in channel.bookmarks] == [doc]
    welcomes = [m for m in slack.messages(channel) if metadata_of(m).get("event_type") == "incident_welcome"]
    assert len(welcomes) == 1
    [headline] = headlines_of(slack, people, incident.id)
    assert f"<#{channel.id}>" in field_text(headline)
    assert incident.headline_ts == headline.ts
    return channel


async def start_declaring(slack: FakeSlack, people: People) -> asyncio.Future[Any]:
    await slack.slash(people.alice, TITLE, people.general)
    view = await slack.wait_for_view(people.alice, "incident_declare")
    return asyncio.ensure_future(slack.submit(people.alice, view, {"lead": people.bob.id}))


@ON_POSTGRES
@pytest.mark.parametrize("point", ["committed:declare", *around(*DECLARATION)])
async def test_a_declaration_is_finished_by_another_replica_when_its_own_dies_at(
    point: str, start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    first = await start_bot(**FAST)
    die_at(point, first)
    submitting = await start_declaring(slack, people)
    await slack.wait_for(lambda: first.dead, timeout=10, what=f"the replica to die at {point}")
    second = await start_bot(**FAST)
    await assert_declared_once(second, slack, people)
    await submitting
    forgive_the_dead(slack)


@pytest.mark.parametrize(
    "point", ["after:channel.create", "after:headline.post", "after:channel.invite", "after:channel.welcome"]
)
async def test_a_declaration_whose_database_vanishes_at_a_point_is_finished_when_it_returns(
    point: str, slack: FakeSlack, people: People, postgres_template: PostgresTemplate
) -> None:
    """The replica lives on; the database goes away after a Slack call was made, and comes back."""
    await postgres_template.reset()
    host, port = "127.0.0.1", int(postgres_template.url.rsplit(":", 1)[1].split("/")[0])
    proxy = await TcpProxy(host, port).start()
    url = postgres_template.url.replace(f":{port}/", f":{proxy.port}/")
    from tests.support.bot import bot_settings

    bot = await RunningBot(slack, bot_settings(slack, url, **FAST)).start()
    try:
        vanish_at(point, proxy)
        submitting = await start_declaring(slack, people)
        await slack.wait_for(lambda: not proxy.accepting, timeout=10, what="the database to vanish")
        await asyncio.sleep(1.5)  # down for longer than the lease: nothing can be recorded meanwhile
        proxy.restore()
        await assert_declared_once(bot, slack, people)
        await submitting
    finally:
        await bot.stop()
        await proxy.stop()


@pytest.mark.parametrize("point", ["committed:command", "after:update.channel", "after:reaction"])
async def test_a_status_update_whose_database_vanishes_at_a_point_is_shown_once_when_it_returns(
    point: str, slack: FakeSlack, people: People, postgres_template: PostgresTemplate
) -> None:
    await postgres_template.reset()
    port = int(postgres_template.url.rsplit(":", 1)[1].split("/")[0])
    proxy = await TcpProxy("127.0.0.1", port).start()
    url = postgres_template.url.replace(f":{port}/", f":{proxy.port}/")
    from tests.support.bot import bot_settings

    bot = await RunningBot(slack, bot_settings(slack, url, **FAST)).start()
    try:
        declared = await declare(slack, people, TITLE)
        assert declared.channel is not None
        vanish_at(point, proxy)
        message = await slack.say(people.alice, declared.channel, f"<@{BOT_USER_ID}> {UPDATE}")
        await slack.wait_for(lambda: not proxy.accepting, timeout=10, what="the database to vanish")
        await asyncio.sleep(1.5)
        proxy.restore()
        await all_effects_done(bot)
        await slack.wait_for(lambda: "white_check_mark" in message.reactions, timeout=10)
        assert message.reactions == {"white_check_mark": [BOT_USER_ID]}
        room = declared.channel
        in_room = [m for m in slack.messages(room, include_threads=False) if "Update on Incident" in m.text]
        under = [m for m in slack.messages(people.incidents) if m.thread_ts == declared.headline.ts]
        assert len(in_room) == 1 and len(under) == 1
        await slack.settled(timeout=10)
    finally:
        await bot.stop()
        await proxy.stop()


async def a_command_in_a_declared_incident(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> tuple[RunningBot, Channel, Message]:
    first = await start_bot(**FAST)
    declared = await declare(slack, people, TITLE, lead=people.bob.id)
    assert declared.channel is not None
    await slack.settled()
    return first, declared.channel, declared.headline


UPDATE = "update Rolled back the deploy; errors falling"


@ON_POSTGRES
@pytest.mark.parametrize(
    "point", ["committed:command", *around(EffectKind.UPDATE_IN_CHANNEL, EffectKind.UPDATE_UNDER_HEADLINE)]
)
async def test_a_status_update_is_posted_once_in_both_places_with_its_tick_when_its_replica_dies_at(
    point: str, start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    first, room, headline = await a_command_in_a_declared_incident(start_bot, slack, people)
    die_at(point, first)
    message = await slack.say(people.alice, room, f"<@{BOT_USER_ID}> {UPDATE}")
    await slack.wait_for(lambda: first.dead, timeout=10, what=f"the replica to die at {point}")
    second = await start_bot(**FAST)
    await all_effects_done(second)
    await slack.wait_for(lambda: "white_check_mark" in message.reactions, timeout=10)
    assert message.reactions == {"white_check_mark": [BOT_USER_ID]}
    in_room = [m for m in slack.messages(room, include_threads=False) if "Update on Incident" in m.text]
    under = [m for m in slack.messages(people.incidents) if m.thread_ts == headline.ts]
    assert len(in_room) == 1 and len(under) == 1 and "Rolled back the deploy" in under[0].text
    async with second.core.db.transaction() as session:
        updates = await session.scalar(
            select(func.count()).select_from(TimelineEntry).where(TimelineEntry.kind == EntryKind.UPDATE)
        )
    assert updates == 1
    await slack.settled(timeout=10)
    forgive_the_dead(slack)


@ON_POSTGRES
@pytest.mark.parametrize(
    "point", around(EffectKind.EDIT_HEADLINE, EffectKind.TOPIC, EffectKind.NOTE, EffectKind.REACTION)
)
async def test_closing_shows_everywhere_once_when_its_replica_dies_at(
    point: str, start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    first, room, headline = await a_command_in_a_declared_incident(start_bot, slack, people)
    die_at(point, first)
    message = await slack.say(people.alice, room, f"<@{BOT_USER_ID}> close")
    await slack.wait_for(lambda: first.dead, timeout=10, what=f"the replica to die at {point}")
    second = await start_bot(**FAST)
    await all_effects_done(second)
    await slack.wait_for(lambda: "white_check_mark" in message.reactions, timeout=10)
    assert message.reactions == {"white_check_mark": [BOT_USER_ID]}
    assert (await the_incident(second)).status is Status.RESOLVED
    assert "✅ Resolved" in field_text(headline) and "Duration" in field_text(headline)
    assert room.topic.startswith("✅ Resolved")
    assert len([m for m in room.messages if m.subtype == "channel_topic"]) == 2  # declared, closed
    assert len([m for m in slack.messages(room) if "was closed" in m.text]) == 1
    await slack.settled(timeout=10)
    forgive_the_dead(slack)


@ON_POSTGRES
async def test_a_plugin_command_that_says_something_says_it_once_when_its_replica_dies_after_saying_it(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    """The handler runs again on the redelivery; its `ctx.say` is recognised and not repeated."""
    first = await start_bot(**FAST, response_plugins="tests.plugins.example")
    declared = await declare(slack, people, TITLE)
    assert declared.channel is not None
    await slack.settled()
    die_at("after:message", first)
    message = await slack.say(people.alice, declared.channel, f"<@{BOT_USER_ID}> ping hello")
    await slack.wait_for(lambda: first.dead, timeout=10)
    second = await start_bot(**FAST, response_plugins="tests.plugins.example")
    await slack.wait_for(lambda: "white_check_mark" in message.reactions, timeout=15)
    await all_effects_done(second)
    pongs = [m for m in slack.messages(declared.channel) if m.text.startswith("pong (hello)")]
    assert len(pongs) == 1
    await slack.settled(timeout=10)
    forgive_the_dead(slack)
