"""Nudges: the owner of a follow-up past its due date gets a DM, once a working day, at most
REMINDER_FOLLOWUP_MAX times, and none once it is done.

A sweep (every replica runs it now and then) looks at the overdue follow-ups during working hours;
each nudge is counted and queued under the follow-up's row lock, so two replicas sweeping at once
still send one, and the DM goes through the outbox like everything Slack shows."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from response_bot.db.base import utcnow
from response_bot.incidents.service import IncidentService
from response_bot.notifications.timing import WorkingHours

log = logging.getLogger(__name__)


class FollowUpNudges:
    def __init__(
        self,
        incidents: IncidentService,
        hours: WorkingHours,
        most: int,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._incidents = incidents
        self._hours = hours
        self._most = most
        self._clock = clock

    async def sweep(self) -> int:
        """Queue today's nudges; how many were queued by this call."""
        now = self._clock()
        if self._most <= 0 or not self._hours.contains(now):
            return 0
        today = now.astimezone(self._hours.zone).date()
        queued = 0
        for followup in await self._incidents.overdue_followups(today):
            if followup.nudged_on == today or followup.nudges_sent >= self._most:
                continue
            if await self._incidents.nudge(followup.id, today, self._most):
                queued += 1
        if queued:
            log.info("nudged the owners of %d overdue follow-up(s)", queued)
        return queued
