"""Queueing effects with the change that needs them, and moving them through their states."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from response_bot.db.base import utcnow
from response_bot.db.engine import Database, after_commit
from response_bot.effects import repository
from response_bot.effects.models import Effect, EffectStatus
from response_bot.effects.repository import Lane
from response_bot.incidents import announcements
from response_bot.incidents import repository as incidents
from response_bot.incidents.announcements import DECLARATION, LATE_CHANNEL, SLACK_LANE, EffectKind, Spec
from response_bot.incidents.enums import CLOSED
from response_bot.incidents.models import Incident
from response_bot.timeline.service import EntryAdded

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
# How long the reporter's confirmation waits for the headline; one that takes longer (Slack down,
# the replica gone) gets a note of its own to the reporter when it finally goes up.
REPORTER_WAITS = timedelta(seconds=5)
# The sweep announces incidents left unannounced if they are open or were declared this recently.
REPAIR_WINDOW = timedelta(days=1)
# Kinds whose failure leaves an incident half made; the sweep gives them another go now and then.
SETUP_KINDS = tuple(dict.fromkeys((*DECLARATION, *LATE_CHANNEL)))


class Effects:
    """The effect outbox. `queue` runs inside the caller's transaction; the rest own theirs."""

    def __init__(
        self,
        db: Database,
        *,
        replica: str,
        lease: timedelta,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self.replica = replica
        self.lease = lease
        self._clock = clock
        self._held: list[Callable[[list[Effect], Incident | None], None]] = []
        self._waiting: list[Callable[[], None]] = []
        self._failed: list[Callable[[Effect, str, bool], list[Spec]]] = []
        # Told of the timeline entry recording a channel made, in its transaction (webhooks).
        self.on_entry: EntryAdded | None = None

    # --- who hears about new effects -----------------------------------------------------------

    def when_held(self, callback: Callable[[list[Effect], Incident | None], None]) -> None:
        """`callback(effects, incident)` runs after a commit that queued effects this replica holds
        (to do now); `incident` is the incident as that transaction left it, if the caller had it."""
        self._held.append(callback)

    def when_waiting(self, callback: Callable[[], None]) -> None:
        """`callback()` runs after a commit that queued effects behind others (for the dispatcher)."""
        self._waiting.append(callback)

    def when_failed(self, callback: Callable[[Effect, str, bool], list[Spec]]) -> None:
        """`callback(effect, error, gave_up_retrying)` returns effects to queue, in the same
        transaction, when an effect fails for good (to tell people about it)."""
        self._failed.append(callback)

    def _announce_held(self, effects: list[Effect], snapshot: Incident | None = None) -> None:
        for callback in self._held:
            callback(effects, snapshot)

    def _announce_waiting(self) -> None:
        for callback in self._waiting:
            callback()

    # --- queueing ----------------------------------------------------------------------------

    async def queue(
        self,
        session: AsyncSession,
        incident_id: int,
        specs: Sequence[Spec],
        *,
        origin_key: str | None = None,
        fresh: bool = False,
        snapshot: Incident | None = None,
    ) -> list[Effect]:
        """Write effects in the caller's transaction, which must hold the incident's row lock.

        Each spec goes to its lane (Slack's, or another system's). Where nothing of another
        replica's is unfinished in that lane (`fresh`: a new incident, whose lanes are empty), this
        replica holds them and performs them once the
        transaction commits (`snapshot`: the incident as it will be then, saving a read); otherwise
        they wait their turn for the dispatcher.
        """
        if not specs:
            return []
        now = self._clock()
        lanes: dict[str, Lane] = {}
        for spec in specs:
            if spec.lane not in lanes:
                lanes[spec.lane] = (
                    Lane.EMPTY
                    if fresh
                    else await repository.lane(session, incident_id, spec.lane, self.replica, now)
                )
        rows = [
            self._row(incident_id, spec, origin_key, now, hold=lanes[spec.lane] is not Lane.BUSY)
            for spec in specs
        ]
        effects = await repository.add(session, rows)
        held = [e for e in effects if lanes[e.lane] is not Lane.BUSY]
        if held:
            # Behind effects of ours not yet done, the incident may look different by our turn.
            current = snapshot if all(lanes[e.lane] is Lane.EMPTY for e in held) else None
            after_commit(session, lambda: self._announce_held(held, current))
        if len(held) < len(effects):
            after_commit(session, self._announce_waiting)
        return effects

    async def kinds_in_lane(self, session: AsyncSession, incident_id: int, lane: str) -> list[str]:
        """The kinds queued in one of the incident's lanes so far, oldest first, without failed ones."""
        return await repository.kinds_in_lane(session, incident_id, lane)

    async def enqueue(
        self,
        incident_id: int,
        specs: Sequence[Spec],
        *,
        origin_key: str | None = None,
        snapshot: Incident | None = None,
    ) -> list[Effect]:
        """Effects on their own, in their own transaction (a plugin's message, say).

        Unlike a change's, these take no lock on the incident: they go after everything the
        incident had queued, but may interleave with another replica's queued at the same moment.
        """
        async with self._db.transaction() as session:
            return await self.queue(session, incident_id, specs, origin_key=origin_key, snapshot=snapshot)

    async def queue_once(
        self,
        incident_id: int,
        spec: Spec,
        *,
        origin_key: str | None = None,
        snapshot: Incident | None = None,
    ) -> tuple[Effect, bool]:
        """One effect with a `dedupe_key`, on its own; (the row, whether it is new).

        For a plugin's message or reaction: they need nothing of the incident but its channel, and
        their order among the incident's other effects is this replica's (they are held and done
        here at once, after what this replica is doing for the incident) rather than the lane's.
        """
        assert spec.dedupe_key is not None
        async with self._db.statement() as connection:
            row = self._row(incident_id, spec, origin_key, self._clock(), hold=True)
            effect, created = await repository.add_once(connection, row)
        if created:
            self._announce_held([effect], snapshot)
        return effect, created

    def _row(
        self, incident_id: int, spec: Spec, origin_key: str | None, now: datetime, *, hold: bool
    ) -> dict[str, Any]:
        return {
            "incident_id": incident_id,
            "lane": spec.lane,
            "kind": str(spec.kind),
            "payload": spec.payload,
            "dedupe_key": spec.dedupe_key,
            "origin_key": origin_key,
            "status": EffectStatus.SENDING if hold else EffectStatus.PENDING,
            "locked_by": self.replica if hold else None,
            "lease_until": now + self.lease if hold else None,
            "attempts": 1 if hold else 0,
            "first_attempt_at": now if hold else None,
            "due_at": now,
            "created_at": now,
        }

    # --- claiming ----------------------------------------------------------------------------

    async def claim_heads(self, batch: int = 25) -> list[Effect]:
        async with self._db.transaction() as session:
            return await repository.claim_heads(session, self.replica, self._clock(), self.lease, batch)

    async def claim_next(
        self, incident_id: int, lane: str = SLACK_LANE, *, busy: Collection[int] = ()
    ) -> Effect | None:
        async with self._db.transaction() as session:
            return await repository.claim_next(
                session, incident_id, lane, self.replica, self._clock(), self.lease, busy=busy
            )

    async def by_key(self, dedupe_key: str) -> Effect | None:
        async with self._db.transaction() as session:
            return await session.scalar(
                select(Effect)
                .where(Effect.dedupe_key == dedupe_key)
                .execution_options(populate_existing=True)
            )

    # --- finishing ---------------------------------------------------------------------------

    async def done(self, effects: Sequence[Effect]) -> None:
        if not effects:
            return
        async with self._db.statement() as connection:
            await self._done(connection, effects)

    async def _done(
        self,
        session: AsyncSession | AsyncConnection,
        effects: Sequence[Effect],
        result: dict[str, Any] | None = None,
    ) -> bool:
        ids = [e.id for e in effects]
        if not ids:
            return True
        owned = await repository.done(session, ids, self.replica, self._clock(), result)
        if owned < len(ids):
            log.warning("effects %s were taken over by another replica; not recording them as done", ids)
        return owned == len(ids)

    async def done_many(self, effects: Sequence[tuple[Effect, dict[str, Any] | None]]) -> None:
        """Record many effects as done in one transaction, each with its result (if it has one)."""
        plain = [effect for effect, result in effects if result is None]
        with_result = [(effect, result) for effect, result in effects if result is not None]
        async with self._db.statement() as connection:  # each statement stands on its own
            await self._done(connection, plain)
            if with_result:
                await repository.done_each(connection, with_result, self.replica, self._clock())

    async def done_with_result(
        self, effect: Effect, result: dict[str, Any], also: Sequence[Effect] = ()
    ) -> None:
        async with self._db.transaction() as session:
            await self._done(session, also)
            await self._done(session, [effect], result=result)

    async def channel_made(
        self, effect: Effect, channel_id: str, name: str, also: Sequence[Effect] = ()
    ) -> bool:
        """Record the channel made for the incident; False if another replica owns the effect now
        (it will find the channel and record it itself)."""
        async with self._db.transaction() as session:
            await self._done(session, also)
            if not await self._done(session, [effect], result={"channel": channel_id, "name": name}):
                return False
            entry = await incidents.attach_channel(
                session, effect.incident_id, channel_id, name, self._clock()
            )
            if self.on_entry is not None:
                await self.on_entry(session, entry)
            return True

    async def headline_posted(
        self, effect: Effect, channel_id: str, ts: str, also: Sequence[Effect] = ()
    ) -> bool:
        """Record where the headline is (False if another replica owns the effect now). One that
        went up late is followed by a note to the reporter."""
        async with self._db.transaction() as session:
            await self._done(session, also)
            if not await self._done(session, [effect], result={"channel": channel_id, "ts": ts}):
                return False
            await incidents.record_headline(session, effect.incident_id, channel_id, ts)
            if effect.attempts > 1 and self._clock() - effect.created_at > REPORTER_WAITS:
                await self.queue(session, effect.incident_id, [Spec(EffectKind.TELL_REPORTER)])
            return True

    async def retry(self, effect: Effect, after: timedelta, error: str) -> bool:
        """Try again later (never by sleeping on the lease); give up after MAX_ATTEMPTS (True)."""
        if effect.attempts >= MAX_ATTEMPTS:
            await self.fail(effect, error, why=f"failed after {effect.attempts} attempts", retried=True)
            return True
        async with self._db.transaction() as session:
            await repository.finish(
                session,
                [effect.id],
                self.replica,
                status=EffectStatus.PENDING,
                due_at=self._clock() + after,
                last_error=error,
            )
        return False

    async def again(self, effect: Effect, after: timedelta) -> None:
        """Done for now; due again after `after`, with a fresh set of attempts."""
        async with self._db.transaction() as session:
            await repository.finish(
                session,
                [effect.id],
                self.replica,
                status=EffectStatus.PENDING,
                due_at=self._clock() + after,
                attempts=0,
                last_error=None,
                first_attempt_at=None,
            )

    async def fail(
        self, effect: Effect, error: str, *, why: str = "cannot be done", retried: bool = False
    ) -> None:
        """Give up on a held effect; whoever asked (`when_failed`) queues word of it in the same
        transaction, so the failure and the note about it are stored together or not at all."""
        log.error(
            "effect %s (%s, incident %s) %s: %s", effect.id, effect.kind, effect.incident_id, why, error
        )
        async with self._db.transaction() as session:
            owned = await repository.finish(
                session,
                [effect.id],
                self.replica,
                status=EffectStatus.FAILED,
                due_at=self._clock(),
                last_error=error,
            )
            notes = [spec for told in self._failed for spec in told(effect, error, retried)] if owned else []
            if notes:
                await self.queue(session, effect.incident_id, notes)

    async def hand_back(self, effects: Sequence[Effect]) -> None:
        """Held effects this replica will not try now: pending again, for their turn in the lane."""
        async with self._db.transaction() as session:
            await repository.hand_back(session, [e.id for e in effects], self.replica, self._clock())

    async def release(self) -> int:
        """Shutting down: everything this replica holds goes back, for another replica to take now."""
        async with self._db.transaction() as session:
            return await repository.release_all(session, self.replica, self._clock())

    # --- looking after the whole table ---------------------------------------------------------

    async def rearm_failed_setup(self, failed_for: timedelta) -> int:
        """The sweep: setup effects that gave up (Slack down for long, the bot removed from a
        channel) get another set of attempts once they have been failed for `failed_for`."""
        now = self._clock()
        async with self._db.transaction() as session:
            count = await repository.rearm(session, [str(k) for k in SETUP_KINDS], now - failed_for, now)
        if count:
            log.info("sweep: trying %d failed setup effects again", count)
        return count

    async def repair_declarations(self, *, auto_create_channel: bool, limit: int = 50) -> int:
        """The sweep: incidents stored with nothing queued to announce them (declared before effects
        existed, or restored from a backup) get their headline (and channel) queued now, if they are
        open or were declared within `REPAIR_WINDOW`."""
        now = self._clock()
        announced = select(Effect.id).where(
            Effect.incident_id == Incident.id, Effect.kind == str(EffectKind.POST_HEADLINE)
        )
        statement = (
            incidents.with_people()
            .where(
                Incident.headline_ts.is_(None),
                ~announced.exists(),
                or_(Incident.status.not_in(CLOSED), Incident.declared_at > now - REPAIR_WINDOW),
            )
            .order_by(Incident.id)
            .limit(limit)
        )
        if self._db.engine.dialect.name == "postgresql":
            statement = statement.with_for_update(of=Incident, skip_locked=True, key_share=True)
        async with self._db.transaction() as session:
            found = list((await session.execute(statement)).unique().scalars())
            for incident in found:
                wants_channel = not incident.channel_id and (incident.private or auto_create_channel)
                specs = announcements.declared(incident, with_channel=wants_channel)
                await self.queue(session, incident.id, specs, snapshot=incident)
        return len(found)

    async def stuck(self, older_than: timedelta) -> list[Effect]:
        """Effects not done although written more than `older_than` ago (`response-bot check`)."""
        async with self._db.transaction(timeout=30) as session:
            return await repository.unfinished(session, self._clock() - older_than)
