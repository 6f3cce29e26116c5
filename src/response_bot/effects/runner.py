"""Performing effects: at once by the replica that stored them, or later by any replica's dispatcher.

One incident's effects for one system are performed one at a time, in order (a lane); its lanes for
different systems (Slack, a pager, …) move independently. Effects that produce
something the next ones need (the channel, the headline's place) are recorded as soon as they are
done, together with whatever was done before them; the rest are recorded in one go at the end. A
crash in between costs a repeat, which every effect is safe to make (it looks before it repeats).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from response_bot import crashpoints
from response_bot.db.base import utcnow
from response_bot.db.errors import StorageError
from response_bot.effects.models import Effect, EffectStatus
from response_bot.effects.service import Effects
from response_bot.incidents.announcements import SLACK_LANE, Queued
from response_bot.incidents.models import Incident
from response_bot.outcomes import AgainIn, GiveUp, Retry

log = logging.getLogger(__name__)
FINISHED = (EffectStatus.DONE, EffectStatus.FAILED)
# Effects done with nothing else to record are written down together a moment later: under load,
# one transaction for many. Until then they count as this replica's busy work, not orphans, and a
# crash in between costs a repeat after the lease, which looks before it repeats.
RECORD_AFTER = 0.02
# A lane: one incident's effects for one system.
LaneKey = tuple[int, str]


@dataclass(frozen=True)
class Outcome:
    """What performing an effect produced: nothing, a result to keep, or a place to record."""

    result: dict[str, Any] | None = None
    channel: tuple[str, str] | None = None  # (id, name) of the channel made or adopted
    headline: tuple[str, str] | None = None  # (channel, ts) of the headline posted or found


class Performer(Protocol):
    async def perform(self, effect: Effect, incident: Incident) -> Outcome: ...


class EffectRunner:
    def __init__(
        self,
        effects: Effects,
        performer: Performer,
        load: Callable[[int], Awaitable[Incident]],
        *,
        backoff: timedelta = timedelta(seconds=5),
        wake_at: Callable[[datetime], None] = lambda when: None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._effects = effects
        self._performer = performer
        self._load = load
        self._backoff = backoff
        self._wake_at = wake_at
        self._clock = clock
        self._locks: weakref.WeakValueDictionary[LaneKey, asyncio.Lock] = weakref.WeakValueDictionary()
        self._tasks: set[asyncio.Task[None]] = set()
        # Whoever waits for an effect to be finished (done or given up on) here, by effect id.
        self._waiters: dict[int, list[asyncio.Future[Effect]]] = {}
        # Lanes this replica stopped short in (a retry is due): later effects it holds go back
        # into the lane instead of overtaking.
        self._deferred: set[LaneKey] = set()
        # Effects this replica holds and is about to perform, or performing: not orphans.
        self._busy: set[int] = set()
        self._to_record: list[tuple[Effect, dict[str, Any] | None]] = []
        self._recording: asyncio.Task[None] | None = None
        self._record_now = asyncio.Event()
        self._stopping = False
        effects.when_held(self.start)

    # --- in-process: the effects this replica just stored ---------------------------------------

    def start(self, held: list[Effect], snapshot: Incident | None) -> None:
        """Perform effects this replica holds, now, in the background (one lane at a time)."""
        if not held:
            return
        self._busy.update(e.id for e in held)
        by_lane: dict[LaneKey, list[Effect]] = {}
        for effect in held:
            by_lane.setdefault((effect.incident_id, effect.lane), []).append(effect)
        for key, lane in by_lane.items():
            if self._stopping:
                continue  # released to the other replicas at shutdown
            task = asyncio.create_task(self._perform_held(key, lane, snapshot))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @property
    def busy(self) -> bool:
        """Whether effects stored here are being performed, or their being done written down."""
        return bool(self._tasks or self._to_record) or (
            self._recording is not None and not self._recording.done()
        )

    def _settle(self, effects: Iterable[Effect]) -> None:
        """Tell whoever waits that these effects are finished."""
        for effect in effects:
            for future in self._waiters.pop(effect.id, ()):
                if not future.done():
                    future.set_result(effect)

    async def wait(self, effects: Sequence[Queued], timeout: float) -> list[Effect]:
        """Wait up to `timeout` for effects to be finished here (retries included); returns each as
        it was finished, or as it stands if it wasn't in time (still queued, or on another replica)."""
        loop = asyncio.get_running_loop()
        pending: dict[int, asyncio.Future[Effect]] = {}
        for effect in effects:
            if effect.status not in FINISHED:
                future: asyncio.Future[Effect] = loop.create_future()
                self._waiters.setdefault(effect.id, []).append(future)
                pending[effect.id] = future
        if pending:
            await asyncio.wait(pending.values(), timeout=timeout)
        for effect_id, future in pending.items():
            if not future.done():
                waiting = self._waiters.get(effect_id, [])
                if future in waiting:
                    waiting.remove(future)
                if not waiting:
                    self._waiters.pop(effect_id, None)
                future.cancel()
        finished = {i: f.result() for i, f in pending.items() if f.done() and not f.cancelled()}
        return [finished.get(e.id) or cast(Effect, e) for e in effects]

    def _lock(self, key: LaneKey) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def _perform_held(self, key: LaneKey, lane: list[Effect], snapshot: Incident | None) -> None:
        incident_id = key[0]
        try:
            async with self._lock(key):
                if key in self._deferred:
                    # An earlier effect of this incident is waiting for a retry: don't overtake it.
                    await self._effects.hand_back(lane)
                    return
                # Effects another replica queued behind these are its dispatcher's to take up.
                await self._run(lane, snapshot)
        except StorageError:
            log.warning("incident %s: the database went away; its effects are finished later", incident_id)
        except Exception:
            log.exception("incident %s: performing its effects failed", incident_id)
        finally:
            self._busy.difference_update(e.id for e in lane)

    # --- any replica: effects whose turn came, or whose holder went away -------------------------

    async def dispatch(self, batch: int = 25) -> int:
        """One pass of the dispatcher: take the head of each lane that is due, and work down the lane."""
        if self._stopping:
            return 0
        await self.written_down()  # so each lane's head is what the database says it is
        heads = await self._effects.claim_heads(batch)
        if heads:
            # Claimed, not yet performed: ours, not orphans, while each waits for its lane's lock
            # (else a `resume` holding the lock would take the same effect again, and both make it).
            self._busy.update(head.id for head in heads)
            try:
                await asyncio.gather(*(self._drain_from(head) for head in heads))
            finally:
                self._busy.difference_update(head.id for head in heads)
            await self.written_down()
        return len(heads)

    async def written_down(self) -> None:
        """Record now every effect done here so far, and wait until it is."""
        while self._recording is not None and not self._recording.done():
            self._record_now.set()
            await asyncio.wait({self._recording})

    async def resume(self, incident_id: int, lane: str = SLACK_LANE) -> None:
        """Make sure one of the incident's lanes is moving: do what is due in it now, if nobody else is."""
        try:
            async with self._lock((incident_id, lane)):
                await self._drain((incident_id, lane))
        except StorageError:
            log.warning("incident %s: the database went away; its effects are finished later", incident_id)

    async def _drain_from(self, head: Effect) -> None:
        incident_id, key = head.incident_id, (head.incident_id, head.lane)
        try:
            async with self._lock(key):
                self._deferred.discard(key)
                if await self._run([head], None):
                    await self._drain(key)
        except StorageError:
            log.warning("effects of incident %s: the database went away; trying again later", incident_id)
        except Exception:
            log.exception("effects of incident %s: unexpected error", incident_id)

    async def _drain(self, key: LaneKey) -> None:
        """Take the lane's next effect while there is one due (the caller holds the lane's lock)."""
        while not self._stopping:
            await self.written_down()  # the lane's head may be one done a moment ago, not yet recorded
            effect = await self._effects.claim_next(*key, busy=self._busy)
            if effect is None:
                self._deferred.discard(key)
                return
            self._deferred.discard(key)
            if not await self._run([effect], None):
                return

    # --- doing them ------------------------------------------------------------------------

    async def _run(self, lane: list[Effect], snapshot: Incident | None) -> bool:
        """Perform held effects in order. True if all were finished (done or given up on)."""
        incident = snapshot if snapshot is not None else await self._load(lane[0].incident_id)
        unrecorded: list[Effect] = []
        for index, effect in enumerate(lane):
            try:
                await crashpoints.reached(f"before:{effect.kind}")
                outcome = await self._performer.perform(effect, incident)
                await crashpoints.reached(f"after:{effect.kind}")
            except Retry as retry:
                await self._effects.done(unrecorded)
                self._mark(unrecorded, EffectStatus.DONE)
                await self._retry(effect, retry)
                rest = lane[index + 1 :]
                await self._effects.hand_back(rest)
                for later in rest:
                    later.status = EffectStatus.PENDING
                self._deferred.add((effect.incident_id, effect.lane))
                return False
            except AgainIn as later:
                await self._effects.done(unrecorded)
                self._mark(unrecorded, EffectStatus.DONE)
                unrecorded = []
                await self._again(effect, timedelta(seconds=later.after))
                self._deferred.add((effect.incident_id, effect.lane))
                rest = lane[index + 1 :]
                await self._effects.hand_back(rest)
                for waiting in rest:
                    waiting.status = EffectStatus.PENDING
                return False
            except GiveUp as refused:
                await self._effects.fail(effect, f"not sent: {refused}")
                effect.status, effect.last_error = EffectStatus.FAILED, f"not sent: {refused}"
                self._settle([effect])
                continue
            except StorageError:
                raise
            except Exception as error:  # a bug: don't block the lane behind it
                log.exception("effect %s (%s) failed unexpectedly", effect.id, effect.kind)
                await self._effects.fail(effect, f"unexpected: {type(error).__name__}: {error}")
                effect.status = EffectStatus.FAILED
                self._settle([effect])
                continue
            incident = await self._record(effect, outcome, unrecorded, incident)
            if outcome.channel or outcome.headline or outcome.result is not None:
                unrecorded = []
            else:
                unrecorded.append(effect)
        if unrecorded:
            self._record_soon(unrecorded)
            self._mark(unrecorded, EffectStatus.DONE)
        return True

    async def _record(
        self, effect: Effect, outcome: Outcome, unrecorded: list[Effect], incident: Incident
    ) -> Incident:
        if outcome.channel is not None:
            if await self._effects.channel_made(effect, *outcome.channel, also=unrecorded):
                incident.channel_id, incident.channel_name = outcome.channel
        elif outcome.headline is not None:
            if await self._effects.headline_posted(effect, *outcome.headline, also=unrecorded):
                incident.headline_channel_id, incident.headline_ts = outcome.headline
        elif outcome.result is not None:
            self._record_soon(unrecorded)
            self._record_soon([effect], outcome.result)
        else:
            return incident  # recorded with the next batch
        effect.result = outcome.result or (
            {"channel": outcome.channel[0], "name": outcome.channel[1]}
            if outcome.channel
            else {"channel": outcome.headline[0], "ts": outcome.headline[1]}
            if outcome.headline
            else None
        )
        self._mark([*unrecorded, effect], EffectStatus.DONE)
        return incident

    def _record_soon(self, effects: Sequence[Effect], result: dict[str, Any] | None = None) -> None:
        for effect in effects:
            self._to_record.append((effect, result))
            self._busy.add(effect.id)
        if effects and (self._recording is None or self._recording.done()):
            self._recording = asyncio.create_task(self._write_down())

    async def _write_down(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._record_now.wait(), RECORD_AFTER)
        self._record_now.clear()
        while self._to_record:
            batch, self._to_record = self._to_record, []
            try:
                await self._effects.done_many(batch)
            except StorageError:
                log.warning("%d effects done but not recorded (the database went away)", len(batch))
            except Exception:
                log.exception("recording %d effects as done failed", len(batch))
            finally:
                self._busy.difference_update(effect.id for effect, _ in batch)

    def _mark(self, effects: Iterable[Effect], status: EffectStatus) -> None:
        done = list(effects)
        for effect in done:
            effect.status = status
        self._settle(done)

    async def _retry(self, effect: Effect, retry: Retry) -> None:
        after = (
            timedelta(seconds=retry.retry_after)
            if retry.retry_after is not None
            else min(timedelta(minutes=5), self._backoff * (2 ** max(0, effect.attempts - 1)))
        )
        if await self._effects.retry(effect, after, retry.reason):
            effect.status, effect.last_error = EffectStatus.FAILED, retry.reason
            self._settle([effect])  # that was its last try: whoever waits is told
            return
        effect.status, effect.last_error = EffectStatus.PENDING, retry.reason
        self._wake_at(self._clock() + after)
        # This replica knows when its turn comes again: take the lane up then (the dispatcher of
        # any replica would too, at its next tick after that).
        loop = asyncio.get_running_loop()
        loop.call_later(after.total_seconds(), self._resume_later, effect.incident_id, effect.lane)

    async def _again(self, effect: Effect, after: timedelta) -> None:
        await self._effects.again(effect, after)
        effect.status, effect.last_error = EffectStatus.PENDING, None
        self._settle([effect])  # whoever waited for it: this round is done
        self._wake_at(self._clock() + after)
        loop = asyncio.get_running_loop()
        loop.call_later(after.total_seconds(), self._resume_later, effect.incident_id, effect.lane)

    def _resume_later(self, incident_id: int, lane: str) -> None:
        if self._stopping:
            return
        task = asyncio.create_task(self.resume(incident_id, lane))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- shutting down ---------------------------------------------------------------------

    async def stop(self, timeout: float) -> None:
        """Start nothing new, and let what is running finish (up to `timeout`)."""
        self._stopping = True
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1)
        if self._recording is not None:
            await asyncio.wait({self._recording}, timeout=2)

    async def release(self) -> None:
        """Hand back whatever this replica still holds, for another replica to take at once."""
        try:
            released = await self._effects.release()
        except StorageError:
            return  # the leases run out by themselves
        if released:
            log.info("handed %d effects back for another replica to finish", released)
