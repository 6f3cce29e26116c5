"""The effect outbox on real Postgres and SQLite: lanes in order, leases, fencing, retries, and several
runners performing each effect exactly once. Slack is replaced by a recording performer."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from response_bot.db.engine import Database
from response_bot.effects import repository
from response_bot.effects.models import Effect, EffectStatus
from response_bot.effects.runner import EffectRunner, Outcome
from response_bot.effects.service import MAX_ATTEMPTS, Effects
from response_bot.incidents.announcements import EffectKind, Spec
from response_bot.incidents.fields import IncidentFields
from response_bot.incidents.models import Incident
from response_bot.incidents.service import IncidentService
from response_bot.outcomes import GiveUp, Retry
from response_bot.users.models import UserRef

START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ALICE = UserRef("U0ALICE", name="alice")
LEASE = timedelta(seconds=60)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Recorder:
    """Stands in for Slack: records what was performed, in order; fails in scripted ways."""

    done: list[tuple[int, int, str]] = field(default_factory=list)  # (incident, effect id, kind)
    # Shared by several recorders: everything performed by any replica, in the order it happened.
    everyone: list[tuple[int, int, str]] | None = None
    failures: dict[int, list[Exception]] = field(default_factory=dict)
    uncertain_seen: list[int] = field(default_factory=list)
    delay: float = 0.0

    async def perform(self, effect: Effect, incident: Incident) -> Outcome:
        if self.delay:
            await asyncio.sleep(self.delay)
        scripted = self.failures.get(effect.id)
        if scripted:
            raise scripted.pop(0)
        if effect.uncertain:
            self.uncertain_seen.append(effect.id)
        self.done.append((incident.id, effect.id, effect.kind))
        if self.everyone is not None:
            self.everyone.append((incident.id, effect.id, effect.kind))
        if effect.kind == EffectKind.MESSAGE:
            return Outcome(result={"channel": "C1", "ts": f"{effect.id}.0"})
        return Outcome()


@dataclass
class Replica:
    effects: Effects
    runner: EffectRunner
    incidents: IncidentService


class Stored:
    """A replica that stores effects and then dies before performing them (nothing subscribed)."""

    def __init__(self, db: Database, name: str, clock: Clock) -> None:
        self.effects = Effects(db, replica=name, lease=LEASE, clock=clock)
        self.incidents = IncidentService(db, clock=clock, effects=self.effects, auto_create_channel=False)


def replica(db: Database, name: str, clock: Clock, recorder: Recorder) -> Replica:
    effects = Effects(db, replica=name, lease=LEASE, clock=clock)
    incidents = IncidentService(db, clock=clock, effects=effects, auto_create_channel=False)
    runner = EffectRunner(effects, recorder, incidents.get, backoff=timedelta(seconds=5), clock=clock)
    return Replica(effects, runner, incidents)


async def declare(world: Replica | Stored, title: str = "Disk full") -> int:
    declared = await world.incidents.declare(IncidentFields(title), ALICE)
    return declared.incident.id


async def queue(world: Replica | Stored, incident_id: int, *kinds: EffectKind) -> list[Effect]:
    return await world.effects.enqueue(incident_id, [Spec(kind) for kind in kinds])


async def rows(db: Database) -> list[Effect]:
    async with db.transaction() as session:
        return list((await session.scalars(select(Effect).order_by(Effect.id))).all())


async def idle(world: Replica) -> None:
    for _ in range(200):
        if not world.runner.busy:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the runner never went idle")


async def test_the_replica_that_stores_effects_performs_them_at_once_in_order(db: Database) -> None:
    recorder = Recorder()
    world = replica(db, "a", Clock(), recorder)
    incident = await declare(world)
    await queue(world, incident, EffectKind.EDIT_HEADLINE, EffectKind.TOPIC, EffectKind.REACTION)
    await idle(world)
    assert [kind for _, _, kind in recorder.done] == [
        EffectKind.POST_HEADLINE,
        EffectKind.EDIT_HEADLINE,
        EffectKind.TOPIC,
        EffectKind.REACTION,
    ]
    assert {row.status for row in await rows(db)} == {EffectStatus.DONE}


async def test_a_dead_replicas_effects_wait_for_its_lease_then_another_finishes_them_in_order(
    db: Database,
) -> None:
    clock = Clock()
    survivor_log = Recorder()
    first = Stored(db, "first", clock)
    incident = await declare(first)
    await queue(first, incident, EffectKind.NOTE, EffectKind.REACTION)
    second = replica(db, "second", clock, survivor_log)

    assert await second.runner.dispatch() == 0  # held by the first replica: not yet
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert await second.runner.dispatch() == 0
    clock.advance(seconds=2)  # the lease ran out
    assert await second.runner.dispatch() == 1  # one lane; worked down to its end
    assert [kind for _, _, kind in survivor_log.done] == [
        EffectKind.POST_HEADLINE,
        EffectKind.NOTE,
        EffectKind.REACTION,
    ]
    # Each may have reached Slack before the first replica died: each looked before repeating.
    assert len(survivor_log.uncertain_seen) == 3
    assert all(row.status == EffectStatus.DONE and row.attempts == 2 for row in await rows(db))


async def test_later_effects_wait_behind_an_earlier_one_another_replica_holds(db: Database) -> None:
    clock = Clock()
    other_log = Recorder()
    holder = Stored(db, "holder", clock)
    incident = await declare(holder)  # the headline is held by "holder", not done
    other = replica(db, "other", clock, other_log)
    [waiting] = await queue(other, incident, EffectKind.EDIT_HEADLINE)
    assert waiting.status == EffectStatus.PENDING and waiting.locked_by is None  # behind, not held
    assert await other.runner.dispatch() == 0  # the lane's head is someone else's
    assert other_log.done == []


async def test_a_taken_over_effect_is_not_recorded_by_its_old_holder(db: Database) -> None:
    """Fencing: the slow replica's late "done" matches nothing; the new holder's counts."""
    clock = Clock()
    slow = Stored(db, "slow", clock)
    incident = await declare(slow)
    [held] = [row for row in await rows(db) if row.incident_id == incident]
    clock.advance(seconds=61)
    taker = replica(db, "taker", clock, Recorder())
    assert await taker.runner.dispatch() == 1
    await slow.effects.done([held])  # far too late
    [row] = await rows(db)
    assert row.status == EffectStatus.DONE and row.done_at == clock.now


async def test_retries_back_off_honour_retry_after_and_give_up_after_max_attempts(db: Database) -> None:
    clock = Clock()
    recorder = Recorder()
    incident = await declare(Stored(db, "a", clock))
    [headline] = await rows(db)
    world = replica(db, "a", clock, recorder)
    await world.effects.hand_back([headline])  # as if the replica let go at shutdown
    recorder.failures[headline.id] = [Retry("rate limited", retry_after=30)]
    assert await world.runner.dispatch() == 1
    [row] = await rows(db)
    assert row.status == EffectStatus.PENDING and row.due_at == clock.now + timedelta(seconds=30)
    assert row.last_error == "not sent: rate limited" and not row.uncertain
    clock.advance(seconds=29)
    assert await world.runner.dispatch() == 0  # not before Retry-After
    recorder.failures[headline.id] = [Retry("Slack answered 500") for _ in range(MAX_ATTEMPTS)]
    for _ in range(MAX_ATTEMPTS):
        clock.advance(minutes=6)
        await world.runner.dispatch()
    [row] = await rows(db)
    assert row.status == EffectStatus.FAILED and row.attempts == MAX_ATTEMPTS
    assert recorder.done == [] and incident == row.incident_id


async def test_a_refusal_is_failed_at_once_and_the_lane_goes_on(db: Database) -> None:
    recorder = Recorder()
    world = replica(db, "a", Clock(), recorder)
    incident = await declare(world)
    await idle(world)
    held = await world.effects.enqueue(incident, [Spec(EffectKind.NOTE), Spec(EffectKind.REACTION)])
    recorder.failures[held[0].id] = [GiveUp("not_in_channel")]
    await idle(world)
    note, reaction = (await rows(db))[1:]
    assert note.status == EffectStatus.FAILED and note.last_error == "not sent: not_in_channel"
    assert reaction.status == EffectStatus.DONE


async def test_another_systems_lane_waiting_on_a_retry_never_holds_back_what_slack_shows(
    db: Database,
) -> None:
    """A pager that is down (its call retried later) leaves the incident's Slack effects, queued
    after it, to be done at once; the pager's own later calls still wait, in order, behind it."""
    clock = Clock()
    recorder = Recorder()
    world = replica(db, "a", clock, recorder)
    incident = await declare(world)
    await idle(world)
    page, resolve = await world.effects.enqueue(
        incident, [Spec("pager.trigger", lane="pager"), Spec("pager.resolve", lane="pager")]
    )
    assert [page.lane, resolve.lane] == ["pager", "pager"]
    recorder.failures[page.id] = [Retry("the pager answered 503")]
    await idle(world)
    await queue(world, incident, EffectKind.NOTE, EffectKind.REACTION)
    await idle(world)
    performed = [kind for _, _, kind in recorder.done]
    assert performed == [EffectKind.POST_HEADLINE, EffectKind.NOTE, EffectKind.REACTION]
    states = {row.kind: row.status for row in await rows(db)}
    assert states["pager.trigger"] == states["pager.resolve"] == EffectStatus.PENDING

    clock.advance(seconds=6)  # the retry is due: the pager's lane moves, in its own order
    assert await world.runner.dispatch() == 1
    assert [kind for _, _, kind in recorder.done][3:] == ["pager.trigger", "pager.resolve"]
    assert all(row.status == EffectStatus.DONE for row in await rows(db))


async def test_a_failed_setup_effect_is_tried_again_by_the_sweep_looking_before_it_repeats(
    db: Database,
) -> None:
    clock = Clock()
    recorder = Recorder()
    await declare(Stored(db, "dead", clock))
    world = replica(db, "a", clock, recorder)
    [headline] = await rows(db)
    clock.advance(seconds=61)
    # The dead replica made attempt 1; seven more time out.
    recorder.failures[headline.id] = [Retry("timeout", sent_maybe=True)] * (MAX_ATTEMPTS - 1)
    for _ in range(MAX_ATTEMPTS):
        clock.advance(minutes=6)
        await world.runner.dispatch()
    [row] = await rows(db)
    assert row.status == EffectStatus.FAILED
    assert await world.effects.rearm_failed_setup(failed_for=timedelta(minutes=10)) == 0  # too soon
    clock.advance(minutes=10)
    assert await world.effects.rearm_failed_setup(failed_for=timedelta(minutes=10)) == 1
    assert await world.runner.dispatch() == 1
    [row] = await rows(db)
    assert row.status == EffectStatus.DONE and recorder.uncertain_seen == [row.id]


async def test_an_effect_with_a_key_is_queued_once(db: Database) -> None:
    world = replica(db, "a", Clock(), Recorder())
    incident = await declare(world)
    spec = Spec(EffectKind.MESSAGE, {"text": "hi"}, dedupe_key="say:cmd:C1:1.0:1")
    first, created = await world.effects.queue_once(incident, spec)
    again, created_again = await world.effects.queue_once(incident, spec)
    assert created and not created_again and first.id == again.id
    await idle(world)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_three_runners_perform_every_effect_exactly_once_and_each_lane_in_order(db: Database) -> None:
    clock = Clock()
    stored = Stored(db, "gone", clock)
    for n in range(60):
        incident = await declare(stored, f"Incident {n}")
        await queue(stored, incident, EffectKind.EDIT_HEADLINE, EffectKind.TOPIC, EffectKind.NOTE)
    async with db.transaction() as session:
        await repository.release_all(session, "gone", clock.now)  # all of it up for grabs at once
    everyone: list[tuple[int, int, str]] = []
    recorders = [Recorder(delay=0.001, everyone=everyone) for _ in range(3)]
    worlds = [replica(db, f"r{n}", clock, recorder) for n, recorder in enumerate(recorders)]
    for _ in range(10):
        await asyncio.gather(*(world.runner.dispatch(batch=7) for world in worlds))
    assert len(everyone) == 240 and len({effect_id for _, effect_id, _ in everyone}) == 240
    assert all(recorder.done for recorder in recorders)  # all three took part
    by_incident: dict[int, list[int]] = {}
    for incident_id, effect_id, _ in everyone:
        by_incident.setdefault(incident_id, []).append(effect_id)
    assert all(ids == sorted(ids) for ids in by_incident.values())
    assert Counter(row.status for row in await rows(db)) == {EffectStatus.DONE: 240}
