"""Scheduling notifications for incidents and moving outbox rows through their states."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from response_bot.db.base import utcnow
from response_bot.db.engine import Database, after_commit
from response_bot.incidents import repository as incidents
from response_bot.incidents.enums import CLOSED
from response_bot.incidents.models import Incident
from response_bot.notifications import repository as outbox
from response_bot.notifications.models import Delivery, Notification
from response_bot.notifications.rules import REPORT, REPORT_PLAN, Plan
from response_bot.timeline.models import EntryKind, TimelineEntry

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Claimed:
    """A claimed row with what deciding about it needs."""

    row: Notification
    plan: Plan
    incident: Incident
    last_update: datetime | None

    @property
    def uncertain(self) -> bool:
        """An earlier attempt may have reached Slack (a crash, or a timeout after sending)."""
        return self.row.attempts > 1 and not (self.row.last_error or "").startswith("not sent:")


# Start-up housekeeping may take longer than a user's action is allowed to.
MAINTENANCE_TIMEOUT = 30.0


class Notifications:
    def __init__(self, db: Database, plans: Sequence[Plan], clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self.plans = {plan.kind: plan for plan in [*plans, REPORT_PLAN]}
        self._clock = clock
        # Called once a change that made a notification due right now has committed.
        self.due_now: Callable[[], None] = lambda: None

    # --- the incident lifecycle (called inside the incident's own transaction) ---------------

    async def opened(
        self, session: AsyncSession, incident: Incident, now: datetime, *, fresh: bool = False
    ) -> None:
        """Schedule every notification the incident still has sends left for (`fresh`: just declared)."""
        sent = {} if fresh else await outbox.sent_counts(session, incident.id)
        await outbox.schedule_many(session, self._due(incident, now, sent), revive=not fresh)

    def _due(self, incident: Incident, now: datetime, sent: dict[str, int]) -> list[outbox.Row]:
        rows = []
        for plan in self.plans.values():
            if plan.kind == REPORT:
                continue
            done = sent.get(plan.kind, 0)
            if plan.max_sends is not None and done >= plan.max_sends:
                continue
            first = incident.started_at + plan.first_delay
            rows.append((incident.id, plan.kind, done + 1, max(first, now) if done else first))
        return rows

    async def closed(self, session: AsyncSession, incident: Incident, now: datetime) -> None:
        """Reminders stop; the lead (or reporter) is asked for the post-incident report."""
        await outbox.cancel_pending(session, incident.id, keep=(REPORT,))
        reports = await session.execute(
            select(func.count())
            .select_from(Notification)
            .where(Notification.incident_id == incident.id, Notification.kind == REPORT)
        )
        await outbox.schedule(session, incident.id, REPORT, int(reports.scalar_one()) + 1, now)
        after_commit(session, lambda: self.due_now())

    async def ensure_open_incidents(self, batch: int = 500) -> int:
        """Give open incidents that have no notifications (declared before this feature) their schedule.

        In batches, each one transaction and one insert, so thousands of them don't hold a start up.
        """
        now = self._clock()
        scheduled = select(Notification.incident_id).distinct()
        total, after = 0, 0
        while True:
            async with self._db.transaction(timeout=MAINTENANCE_TIMEOUT) as session:
                rows = await session.execute(
                    select(Incident)
                    .where(
                        Incident.id > after,
                        Incident.status.not_in(CLOSED),
                        Incident.id.not_in(scheduled),
                    )
                    .order_by(Incident.id)
                    .limit(batch)
                )
                found = list(rows.scalars())
                due = [row for incident in found for row in self._due(incident, now, {})]
                await outbox.schedule_many(session, due, revive=False)
            total += len(found)
            if len(found) < batch:
                return total
            after = found[-1].id

    # --- the dispatcher's side -------------------------------------------------------------------

    async def claim(self, replica: str, lease: timedelta, batch: int) -> list[Claimed]:
        now = self._clock()
        async with self._db.transaction() as session:
            rows = await outbox.claim(session, replica, now, lease, batch)
            claimed = []
            for row in rows:
                plan = self.plans.get(row.kind)
                if plan is None:  # a plugin that is no longer loaded
                    await outbox.finish(
                        session,
                        row.id,
                        replica,
                        status=Delivery.CANCELLED,
                        last_error="no such notification is loaded any more",
                    )
                    continue
                incident = await incidents.get(session, row.incident_id)
                claimed.append(Claimed(row, plan, incident, await self._last_update(session, incident.id)))
            return claimed

    async def _last_update(self, session: AsyncSession, incident_id: int) -> datetime | None:
        result = await session.execute(
            select(func.max(TimelineEntry.occurred_at)).where(
                TimelineEntry.incident_id == incident_id, TimelineEntry.kind == EntryKind.UPDATE
            )
        )
        value = result.scalar_one()
        return value if isinstance(value, datetime) else None

    async def sent(self, claimed: Claimed, replica: str, channel: str | None, ts: str | None) -> bool:
        """Record the send and schedule the next occurrence; False if another replica owns the row now."""
        now = self._clock()
        row, plan = claimed.row, claimed.plan
        async with self._db.transaction() as session:
            owned = await outbox.finish(
                session,
                row.id,
                replica,
                status=Delivery.SENT,
                sent_at=now,
                slack_channel=channel,
                slack_ts=ts,
                last_error=None,
            )
            if not owned:
                log.warning(
                    "notification %s was taken over by another replica; not recording this send", row.id
                )
                return False
            more = plan.max_sends is None or row.occurrence < plan.max_sends
            if plan.interval is not None and more:
                next_due = plan.next_due(row.due_at, now)
                await outbox.schedule(session, row.incident_id, row.kind, row.occurrence + 1, next_due)
            return True

    async def wait(self, claimed: Claimed, replica: str, until: datetime) -> None:
        """Not needed now: look again later, without using up a send or an attempt."""
        await self._finish(
            claimed,
            replica,
            status=Delivery.PENDING,
            due_at=until,
            attempts=0,
            first_attempt_at=None,
            last_error=None,
        )

    async def stop(self, claimed: Claimed, replica: str) -> None:
        await self._finish(claimed, replica, status=Delivery.CANCELLED)

    async def retry(self, claimed: Claimed, replica: str, after: timedelta, error: str) -> None:
        """Try again later (never by sleeping on the lease); give up after MAX_ATTEMPTS."""
        if claimed.row.attempts >= MAX_ATTEMPTS:
            await self._give_up(claimed, replica, error, f"failed after {claimed.row.attempts} attempts")
            return
        await self._finish(
            claimed, replica, status=Delivery.PENDING, due_at=self._clock() + after, last_error=error
        )

    async def fail(self, claimed: Claimed, replica: str, error: str) -> None:
        await self._give_up(claimed, replica, error, "cannot be sent")

    async def _give_up(self, claimed: Claimed, replica: str, error: str, why: str) -> None:
        row = claimed.row
        log.error("notification %s (%s, incident %s) %s: %s", row.id, row.kind, row.incident_id, why, error)
        await self._finish(claimed, replica, status=Delivery.FAILED, last_error=error)

    async def _finish(self, claimed: Claimed, replica: str, **values: Any) -> None:
        async with self._db.transaction() as session:
            await outbox.finish(session, claimed.row.id, replica, **values)

    async def release(self, replica: str) -> int:
        async with self._db.transaction() as session:
            return await outbox.release(session, replica)
