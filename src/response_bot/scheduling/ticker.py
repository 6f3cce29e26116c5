"""APScheduler 3's AsyncIOScheduler with its in-memory job store, used only as a clock.

What is due lives in the database (the outbox), so a missed tick loses nothing and replicas never
share a job store: each ticks its own dispatcher, and the database decides who sends what.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

JOB_ID = "notification-dispatch"
log = logging.getLogger(__name__)


class Ticker:
    def __init__(self, every: timedelta) -> None:
        self._every = every
        self._scheduler = AsyncIOScheduler(timezone=UTC)

    def start(self, tick: Callable[[], Awaitable[object]]) -> None:
        """Call `tick` now and every interval after; until then, `nudge` and `wake_at` do nothing."""
        self._scheduler.add_job(
            tick,
            "interval",
            seconds=self._every.total_seconds(),
            id=JOB_ID,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
            replace_existing=True,
        )
        self._scheduler.start()

    def nudge(self) -> None:
        """Tick now rather than at the next interval (something just became due)."""
        self.wake_at(datetime.now(UTC))

    def wake_at(self, when: datetime) -> None:
        """Tick at `when` if that is sooner than the next tick (a retry falls due then)."""
        job = self._scheduler.get_job(JOB_ID)
        if job is None:
            return
        when = max(when, datetime.now(UTC))
        if job.next_run_time is None or when < job.next_run_time:
            job.modify(next_run_time=when)

    def pause(self) -> None:
        """No more ticks; a tick already running carries on (the dispatcher waits for it)."""
        if self._scheduler.get_job(JOB_ID) is not None:
            self._scheduler.remove_job(JOB_ID)

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
