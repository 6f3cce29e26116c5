"""Which notifications an incident gets, when, and whether one is still needed when it comes due."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from response_bot.incidents.enums import Severity
from response_bot.incidents.models import Incident
from response_bot.notifications.timing import WorkingHours

LEAD = "lead"
SEVERITY = "severity"
CLOSE = "close"
STATUS_UPDATE = "status_update"
REPORT = "report"
PLUGIN_PREFIX = "plugin:"


@dataclass(frozen=True)
class Plan:
    """One kind of notification: first due `first_delay` after the incident started, then every
    `interval` (None: once), at most `max_sends` real sends (None: no limit)."""

    kind: str
    first_delay: timedelta
    interval: timedelta | None
    max_sends: int | None
    in_channel: bool = True

    def next_due(self, previous_due: datetime, now: datetime) -> datetime:
        """A full interval after the last send, even a late one: missed reminders never burst."""
        assert self.interval is not None
        return max(previous_due + self.interval, now + self.interval)


class Verdict(enum.Enum):
    SEND = "send"
    WAIT = "wait"  # not needed (yet); look again at `until`; a send is not used up
    STOP = "stop"  # never needed again


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    until: datetime | None = None


@dataclass(frozen=True)
class Rules:
    """The built-in reminders' conditions; plugin notifications are always wanted while open."""

    lead_interval: timedelta
    severity_interval: timedelta
    close_interval: timedelta
    cadence: dict[Severity, timedelta]
    hours: WorkingHours

    def decide(self, plan: Plan, incident: Incident, now: datetime, last_update: datetime | None) -> Decision:
        if plan.kind == REPORT:
            return Decision(Verdict.SEND)
        if not incident.is_open:
            return Decision(Verdict.STOP)
        recheck = now + (plan.interval or timedelta(minutes=5))
        if plan.in_channel and not incident.channel_id:
            return Decision(Verdict.WAIT, recheck)
        if plan.kind == LEAD:
            return Decision(Verdict.SEND) if incident.lead is None else Decision(Verdict.WAIT, recheck)
        if plan.kind == SEVERITY:
            return Decision(Verdict.SEND) if incident.severity is None else Decision(Verdict.WAIT, recheck)
        if plan.kind == CLOSE:
            if not self.hours.contains(now):
                return Decision(Verdict.WAIT, self.hours.next_start(now))
            return Decision(Verdict.SEND)
        if plan.kind == STATUS_UPDATE:
            return self._status_update(incident, now, last_update)
        return Decision(Verdict.SEND)

    def _status_update(self, incident: Incident, now: datetime, last_update: datetime | None) -> Decision:
        wanted = self.cadence.get(incident.severity) if incident.severity else None
        if wanted is None:
            return Decision(Verdict.WAIT, now + min(self.cadence.values(), default=timedelta(minutes=30)))
        since = max(last_update or incident.started_at, incident.started_at)
        if now - since >= wanted:
            return Decision(Verdict.SEND)
        return Decision(Verdict.WAIT, since + wanted)


def built_in_plans(
    *,
    lead: tuple[timedelta, int],
    severity: tuple[timedelta, int],
    close: tuple[timedelta, int],
    cadence: dict[Severity, timedelta],
) -> list[Plan]:
    plans = [
        Plan(LEAD, lead[0], lead[0], lead[1]),
        Plan(SEVERITY, severity[0], severity[0], severity[1]),
        Plan(CLOSE, close[0], close[0], close[1]),
    ]
    if cadence:
        shortest = min(cadence.values())
        plans.append(Plan(STATUS_UPDATE, shortest, shortest, None))
    return [p for p in plans if p.max_sends != 0]


REPORT_PLAN = Plan(REPORT, timedelta(0), None, None, in_channel=False)
