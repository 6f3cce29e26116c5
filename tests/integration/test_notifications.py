"""The notification outbox on real Postgres and SQLite, with a controlled clock and a recording sender."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from response_bot.db.engine import Database
from response_bot.incidents import repository as incident_rows
from response_bot.incidents.enums import Severity
from response_bot.incidents.fields import IncidentFields
from response_bot.incidents.service import IncidentService
from response_bot.notifications import repository as outbox
from response_bot.notifications.models import Delivery, Notification
from response_bot.notifications.rules import REPORT, Plan, Rules, built_in_plans
from response_bot.notifications.service import Claimed, Notifications
from response_bot.notifications.timing import WorkingHours
from response_bot.outcomes import GiveUp, Retry
from response_bot.scheduling.dispatcher import Dispatcher
from response_bot.users.models import UserRef
from tests.support.databases import PostgresTemplate

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday morning
ALICE = UserRef("U0ALICE", name="alice")
ALWAYS = WorkingHours.parse("mon-sun 00:00-23:59", "UTC")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Recorder:
    """Stands in for Slack: records sends; can fail the next sends in scripted ways."""

    sends: list[tuple[int, str, timedelta | None]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    posted: dict[int, tuple[str, str]] = field(default_factory=dict)
    delay: float = 0.0

    async def send(self, claimed: Claimed, late_by: timedelta | None) -> tuple[str, str]:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, Retry) and failure.sent_maybe:
                self.posted[claimed.row.id] = ("C1", f"{len(self.posted)}.1")  # it did reach Slack
            raise failure
        self.sends.append((claimed.row.id, claimed.row.kind, late_by))
        self.posted[claimed.row.id] = ("C1", f"{len(self.posted)}.0")
        return self.posted[claimed.row.id]

    async def find(self, claimed: Claimed) -> tuple[str, str] | None:
        return self.posted.get(claimed.row.id)

    def kinds(self) -> list[str]:
        return [kind for _, kind, _ in self.sends]


@dataclass
class World:
    db: Database
    clock: Clock
    incidents: IncidentService
    notifications: Notifications
    recorder: Recorder
    dispatcher: Dispatcher

    async def declare(self, title: str = "Disk full", *, channel: bool = True, **fields: object) -> int:
        declared = await self.incidents.declare(IncidentFields(title, **fields), ALICE)  # type: ignore[arg-type]
        if channel:
            async with self.db.transaction() as session:
                incident_id = declared.incident.id
                await incident_rows.attach_channel(session, incident_id, f"C{incident_id:06d}", "inc", START)
        return declared.incident.id

    async def at(self, **delta: float) -> int:
        """Move the clock on and run one dispatcher pass."""
        self.clock.advance(**delta)
        return await self.dispatcher.tick()


def make_rules(hours: WorkingHours = ALWAYS) -> Rules:
    return Rules(
        lead_interval=timedelta(minutes=2),
        severity_interval=timedelta(minutes=5),
        close_interval=timedelta(hours=24),
        cadence={Severity.CRITICAL: timedelta(minutes=30)},
        hours=hours,
    )


def plans(**limits: int) -> list[Plan]:
    return built_in_plans(
        lead=(timedelta(minutes=2), limits.get("lead", 5)),
        severity=(timedelta(minutes=5), limits.get("severity", 0)),
        close=(timedelta(hours=24), limits.get("close", 0)),
        cadence={},
    )


async def build(
    db: Database, plan_list: list[Plan], rules: Rules | None = None, **dispatcher: object
) -> World:
    clock = Clock()
    notifications = Notifications(db, plan_list, clock)
    incidents = IncidentService(db, lifecycle=notifications, clock=clock)
    recorder = Recorder()
    sender = Dispatcher(
        notifications,
        rules or make_rules(),
        recorder,  # type: ignore[arg-type]
        lease=timedelta(seconds=60),
        clock=clock,
        late_after=timedelta(minutes=1),
        **dispatcher,  # type: ignore[arg-type]
    )
    return World(db, clock, incidents, notifications, recorder, sender)


@pytest.fixture
async def world(db: Database) -> World:
    return await build(db, plans())


async def rows(db: Database, kind: str | None = None) -> list[Notification]:
    async with db.transaction() as session:
        statement = select(Notification).order_by(Notification.id)
        if kind:
            statement = statement.where(Notification.kind == kind)
        return list((await session.execute(statement)).scalars())


async def test_the_lead_reminder_fires_every_interval_up_to_its_limit(world: World) -> None:
    await world.declare()
    assert await world.at(minutes=1) == 0  # not due yet
    for _ in range(7):
        await world.at(minutes=2)
    assert world.recorder.kinds() == ["lead"] * 5
    assert [r.status for r in await rows(world.db, "lead")] == [Delivery.SENT] * 5


async def test_a_reminder_not_needed_waits_without_using_up_a_send(world: World) -> None:
    incident_id = await world.declare()
    await world.at(minutes=2)
    await world.incidents.assign(incident_id, "lead", UserRef("U0BOB"), actor=ALICE)
    for _ in range(4):
        await world.at(minutes=2)
    assert world.recorder.kinds() == ["lead"]
    await world.incidents.edit(incident_id, IncidentFields("Disk full"), actor=ALICE)  # lead cleared again
    await world.at(minutes=2)
    assert world.recorder.kinds() == ["lead", "lead"]  # the second send of five


async def test_no_channel_yet_means_the_reminder_waits(world: World) -> None:
    await world.declare(channel=False)
    await world.at(minutes=3)
    assert world.recorder.sends == []
    assert (await rows(world.db, "lead"))[0].status is Delivery.PENDING


async def test_closing_stops_reminders_and_asks_the_lead_for_the_report_once(world: World) -> None:
    incident_id = await world.declare()
    await world.at(minutes=2)
    await world.incidents.close(incident_id, actor=ALICE)
    await world.at(seconds=1)
    await world.at(minutes=10)
    assert world.recorder.kinds() == ["lead", REPORT]
    assert {r.status for r in await rows(world.db, "lead")} == {Delivery.SENT, Delivery.CANCELLED}
    await world.incidents.reopen(incident_id, actor=ALICE)
    await world.at(minutes=1)
    await world.incidents.close(incident_id, actor=ALICE)
    await world.at(seconds=1)
    assert world.recorder.kinds() == ["lead", REPORT, "lead", REPORT]  # reopened: reminded again, asked again


async def test_the_close_reminder_waits_for_working_hours_and_is_not_lost(db: Database) -> None:
    hours = WorkingHours.parse("mon-fri 09:00-18:00", "UTC")
    world = await build(db, plans(lead=0, close=5), rules=make_rules(hours))
    world.clock.now = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)  # Thursday 17:00
    await world.declare()
    await world.at(hours=25)  # Friday 18:00: outside the window
    assert world.recorder.sends == []
    [row] = await rows(db, "close")
    assert row.due_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # deferred to Monday 09:00
    world.clock.now = datetime(2026, 11, 30, 9, 0, 5, tzinfo=UTC)
    await world.dispatcher.tick()
    assert world.recorder.kinds() == ["close"]


async def test_reminders_due_while_down_are_sent_late_once_and_do_not_burst(world: World) -> None:
    await world.declare()
    await world.at(minutes=30)  # the bot was down from 10:00 to 10:30
    assert len(world.recorder.sends) == 1
    _, _, late_by = world.recorder.sends[0]
    assert late_by is not None and late_by >= timedelta(minutes=27)
    await world.at(seconds=5)
    assert len(world.recorder.sends) == 1  # the next one waits a full interval
    await world.at(minutes=2)
    assert len(world.recorder.sends) == 2 and world.recorder.sends[1][2] is None


async def test_rate_limits_and_server_errors_reschedule_then_it_is_sent_once(world: World) -> None:
    await world.declare()
    world.recorder.failures = [
        Retry("not sent: rate limited", retry_after=30),
        Retry("not sent: Slack answered 503"),
    ]
    await world.at(minutes=2)
    [row] = await rows(world.db, "lead")
    assert row.status is Delivery.PENDING and row.due_at == world.clock.now + timedelta(seconds=30)
    assert row.locked_by is None  # no lease held while waiting
    await world.at(seconds=29)
    assert world.recorder.sends == []
    await world.at(seconds=1)  # the 503: backoff
    await world.at(seconds=30)
    assert world.recorder.kinds() == ["lead"]
    assert (await rows(world.db, "lead"))[0].status is Delivery.SENT


async def test_a_send_that_may_have_reached_slack_is_checked_before_being_repeated(world: World) -> None:
    await world.declare()
    world.recorder.failures = [Retry("unknown: TimeoutError", sent_maybe=True)]
    await world.at(minutes=2)
    await world.at(minutes=1)
    assert world.recorder.sends == []  # found in the channel instead of posted twice
    [first, *_] = await rows(world.db, "lead")
    assert first.status is Delivery.SENT and first.slack_ts is not None


async def test_permanent_errors_and_exhausted_attempts_fail_the_row(world: World) -> None:
    await world.declare()
    world.recorder.failures = [GiveUp("channel_not_found")]
    await world.at(minutes=2)
    assert (await rows(world.db, "lead"))[0].status is Delivery.FAILED
    other = await build(world.db, plans())
    await other.declare("Other")
    other.recorder.failures = [Retry("not sent: Slack answered 500") for _ in range(10)]
    for _ in range(12):
        await other.at(minutes=10)
    statuses = [r.status for r in await rows(world.db, "lead") if r.incident_id == 2]
    assert statuses == [Delivery.FAILED] and other.recorder.sends == []


async def test_a_crashed_holder_loses_its_claim_when_the_lease_runs_out(world: World) -> None:
    await world.declare()
    world.clock.advance(minutes=2)
    crashed = await world.notifications.claim("crashed-replica", timedelta(seconds=60), 10)
    assert len(crashed) == 1
    await world.dispatcher.tick()
    assert world.recorder.sends == []  # still leased to the crashed replica
    await world.at(seconds=61)
    assert world.recorder.kinds() == ["lead"]
    # The crashed replica wakes up and tries to record its send: the fencing check refuses it.
    assert not await world.notifications.sent(crashed[0], "crashed-replica", "C1", "9.9")
    assert len([r for r in await rows(world.db, "lead") if r.status is Delivery.SENT]) == 1


async def test_shutdown_releases_what_this_replica_holds(world: World) -> None:
    await world.declare()
    world.clock.advance(minutes=2)
    await world.notifications.claim(world.dispatcher.replica, timedelta(seconds=60), 10)
    assert await world.dispatcher.stop() == 1
    [row] = await rows(world.db, "lead")
    assert row.status is Delivery.PENDING and row.locked_by is None and row.attempts == 0


@pytest.fixture
async def second_db(postgres_template: PostgresTemplate) -> AsyncIterator[Database]:
    database = Database(postgres_template.url)
    yield database
    await database.dispose()


async def test_two_dispatchers_on_postgres_send_each_notification_exactly_once(
    postgres_template: PostgresTemplate, second_db: Database
) -> None:
    """Hundreds of due rows, two replicas claiming side by side with SKIP LOCKED: each sent once."""
    await postgres_template.reset()
    first_db = Database(postgres_template.url)
    try:
        single = [Plan("ping", timedelta(minutes=1), None, 1)]
        one = await build(first_db, single)
        two = await build(second_db, single, replica="second", batch=7)
        one.recorder.delay = two.recorder.delay = 0.001
        incident_id = await one.declare("Many reminders")
        async with first_db.transaction(timeout=30) as session:  # set-up: 600 statements
            for n in range(1, 301):
                await outbox.schedule(session, incident_id, "ping", n, START)
        for world in (one, two):
            world.clock.advance(minutes=2)

        async def drain(world: World) -> None:
            while await world.dispatcher.tick():
                pass

        await asyncio.gather(drain(one), drain(two))
        sent = Counter(row_id for world in (one, two) for row_id, _, _ in world.recorder.sends)
        assert len(sent) == 300 and set(sent.values()) == {1}
        assert len(one.recorder.sends) > 0 and len(two.recorder.sends) > 0  # both did work
        async with first_db.transaction() as session:
            statuses = dict(
                (
                    await session.execute(
                        select(Notification.status, func.count()).group_by(Notification.status)
                    )
                ).all()
            )
        assert statuses == {Delivery.SENT: 300}
    finally:
        await first_db.dispose()


async def test_scheduling_twice_makes_one_row(world: World) -> None:
    incident_id = await world.declare()
    async with world.db.transaction() as session:
        await outbox.schedule(session, incident_id, "lead", 1, START)
    assert len(await rows(world.db, "lead")) == 1


async def test_open_incidents_from_before_reminders_get_a_schedule_in_batches(db: Database) -> None:
    """Incidents stored without any notifications (an upgrade) are scheduled once, batch by batch."""
    before = IncidentService(db)  # no lifecycle: nothing scheduled, as before the feature existed
    ids = [(await before.declare(IncidentFields(f"Old {n}"), ALICE)).incident.id for n in range(5)]
    await before.close(ids[2], actor=ALICE)
    notifications = Notifications(db, plans(severity=1))

    assert await notifications.ensure_open_incidents(batch=2) == 4
    scheduled = Counter(row.incident_id for row in await rows(db))
    assert scheduled == {i: 2 for i in ids if i != ids[2]}  # lead and severity reminders
    assert await notifications.ensure_open_incidents(batch=2) == 0  # once only


async def test_scheduling_old_incidents_ends_even_when_nothing_applies_to_them(db: Database) -> None:
    before = IncidentService(db)
    for n in range(3):
        await before.declare(IncidentFields(f"Old {n}"), ALICE)
    # No plans at all: nothing to schedule, and the batches still come to an end.
    assert await Notifications(db, []).ensure_open_incidents(batch=1) == 3
