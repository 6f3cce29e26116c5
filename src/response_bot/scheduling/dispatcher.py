"""Each tick: effects whose turn came (or whose replica went away), due notifications (decided,
sent once, recorded), and now and then a sweep for anything left half made."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from response_bot.db.base import utcnow
from response_bot.db.errors import StorageError
from response_bot.effects.runner import EffectRunner
from response_bot.notifications.rules import Rules, Verdict
from response_bot.notifications.sending import Sender
from response_bot.notifications.service import Claimed, Notifications
from response_bot.outcomes import GiveUp, Retry

log = logging.getLogger(__name__)
LATE_AFTER = timedelta(minutes=1)


def replica_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Dispatcher:
    def __init__(
        self,
        notifications: Notifications,
        rules: Rules,
        notifier: Sender,
        *,
        lease: timedelta,
        replica: str | None = None,
        batch: int = 25,
        late_after: timedelta = LATE_AFTER,
        backoff: timedelta = timedelta(seconds=5),
        clock: Callable[[], datetime] = utcnow,
        effects: EffectRunner | None = None,
        sweep: Callable[[], Awaitable[object]] | None = None,
        sweep_every: timedelta = timedelta(minutes=1),
    ) -> None:
        self._notifications = notifications
        self._rules = rules
        self._notifier = notifier
        self._lease = lease
        self.replica = replica or replica_name()
        self._batch = batch
        self._clock = clock
        self._late_after = late_after
        self._backoff = backoff
        self._stopping = False
        self._running: asyncio.Task[int] | None = None
        self._effects = effects
        self._sweep = sweep
        self._sweep_every = sweep_every
        self._swept_at: datetime | None = None

    async def tick(self) -> int:
        """One pass: claim what is due, handle it. Returns how many rows were claimed."""
        if self._stopping or (self._running is not None and not self._running.done()):
            return 0
        self._running = asyncio.ensure_future(self._tick())
        return await asyncio.shield(self._running)

    async def _tick(self) -> int:
        try:
            effects = await self._effects.dispatch(self._batch) if self._effects is not None else 0
            claimed = await self._notifications.claim(self.replica, self._lease, self._batch)
        except StorageError:
            log.warning("dispatcher: the database is unavailable; will try again next tick")
            return 0
        if claimed:
            await asyncio.gather(*(self._handle(c) for c in claimed))
        await self._maybe_sweep()
        return effects + len(claimed)

    async def _maybe_sweep(self) -> None:
        now = self._clock()
        if self._sweep is None or (self._swept_at is not None and now - self._swept_at < self._sweep_every):
            return
        self._swept_at = now
        try:
            await self._sweep()
        except StorageError:
            log.warning("sweep: the database is unavailable; will try again")
        except Exception:
            log.exception("sweep failed")

    async def _handle(self, claimed: Claimed) -> None:
        try:
            await self._deliver(claimed)
        except Exception:
            # Left claimed: the lease runs out and a replica (maybe this one) looks again.
            log.exception("notification %s: unexpected error", claimed.row.id)

    async def _deliver(self, claimed: Claimed) -> None:
        now = self._clock()
        decision = self._rules.decide(claimed.plan, claimed.incident, now, claimed.last_update)
        if decision.verdict is Verdict.STOP:
            await self._notifications.stop(claimed, self.replica)
            return
        if decision.verdict is Verdict.WAIT:
            assert decision.until is not None
            await self._notifications.wait(claimed, self.replica, decision.until)
            return
        try:
            if claimed.uncertain:
                found = await self._notifier.find(claimed)
                if found is not None:
                    await self._notifications.sent(claimed, self.replica, *found)
                    return
            late_by = now - claimed.row.due_at
            channel, ts = await self._notifier.send(claimed, late_by if late_by > self._late_after else None)
        except Retry as failure:
            backoff = (
                timedelta(seconds=failure.retry_after)
                if failure.retry_after is not None
                else self._wait(claimed)
            )
            await self._notifications.retry(claimed, self.replica, backoff, failure.reason)
            return
        except GiveUp as problem:
            await self._notifications.fail(claimed, self.replica, str(problem))
            return
        await self._notifications.sent(claimed, self.replica, channel, ts)

    def _wait(self, claimed: Claimed) -> timedelta:
        """Exponential backoff from one tick, at most five minutes."""
        doubled: timedelta = self._backoff * (2 ** max(0, claimed.row.attempts - 1))
        return min(timedelta(minutes=5), doubled)

    async def stop(self, timeout: float = 8.0) -> int:
        """Claim nothing more, let a running pass finish, then hand back anything still held."""
        self._stopping = True
        if self._running is not None and not self._running.done():
            await asyncio.wait({self._running}, timeout=timeout)
        try:
            return await self._notifications.release(self.replica)
        except StorageError:
            return 0
