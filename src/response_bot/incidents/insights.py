"""Insights: how incidents go, in numbers computed by the database (never by reading every row
into Python), the same on Postgres and SQLite.

Definitions (also written under each chart):
- An incident counts in the week (Monday to Sunday, UTC) it was **declared**.
- **Time to acknowledge**: declared → its first lead was set (0 if declared with a lead). Incidents
  that never had a lead are left out, and counted as such.
- **Time to resolve**: declared → resolved; a reopened incident counts to its last resolution.
  Open incidents are left out.
- Medians and 90th percentiles are nearest-rank: the smallest value with at least half (nine
  tenths) of the values at or below it.
- **Time in status**: from each status change to the next (or to now, for an open incident),
  summed over the incidents declared in the period.
- Drills are left out unless asked for; a private incident counts only for readers who may see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, false, func, literal_column, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from response_bot.db.engine import Database, dialect_name
from response_bot.followups.models import FollowUp
from response_bot.incidents.enums import Severity, Status
from response_bot.incidents.models import Incident
from response_bot.timeline.models import EntryKind, TimelineEntry
from response_bot.users.models import User

TOP_LEADS = 10


@dataclass(frozen=True)
class Period:
    """Whole weeks, Monday to Monday (UTC): `start` inclusive, `end` exclusive."""

    start: date
    end: date

    @classmethod
    def last(cls, weeks: int, today: date) -> Period:
        this_monday = today - timedelta(days=today.weekday())
        return cls(this_monday - timedelta(weeks=weeks - 1), this_monday + timedelta(weeks=1))

    @classmethod
    def between(cls, first: date, last: date) -> Period:
        return cls(
            first - timedelta(days=first.weekday()),
            last - timedelta(days=last.weekday()) + timedelta(weeks=1),
        )

    @property
    def weeks(self) -> list[date]:
        return [self.start + timedelta(weeks=n) for n in range((self.end - self.start).days // 7)]

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time(), tzinfo=UTC)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.end, datetime.min.time(), tzinfo=UTC)


@dataclass(frozen=True)
class Scope:
    """Which incidents count: the period, and optional filters."""

    period: Period
    severities: frozenset[Severity] | None = None
    statuses: frozenset[Status] | None = None
    drills: bool = False
    private_ids: frozenset[int] = frozenset()  # private incidents this reader may see


@dataclass(frozen=True)
class Spread:
    count: int
    median: float | None  # seconds
    p90: float | None


@dataclass
class Report:
    scope: Scope
    declared: dict[date, dict[Severity | None, int]] = field(default_factory=dict)
    acknowledge: dict[date, Spread] = field(default_factory=dict)
    resolve: dict[date, Spread] = field(default_factory=dict)
    acknowledge_by_severity: dict[Severity | None, Spread] = field(default_factory=dict)
    resolve_by_severity: dict[Severity | None, Spread] = field(default_factory=dict)
    never_led: int = 0
    still_open: int = 0
    in_status: dict[Status, float] = field(default_factory=dict)  # seconds
    followups: dict[date, tuple[int, int]] = field(default_factory=dict)  # (opened, done)
    busiest: dict[tuple[int, int], int] = field(default_factory=dict)  # (weekday 0=Mon, hour) -> count
    leads: list[tuple[str, str, int]] = field(default_factory=list)  # (slack id, name, incidents led)

    @property
    def total(self) -> int:
        return sum(sum(row.values()) for row in self.declared.values())


class Insights:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def report(self, scope: Scope, now: datetime | None = None) -> Report:
        now = now or datetime.now(UTC)
        report = Report(scope)
        async with self._db.read() as session:
            sql = _Sql(dialect_name(session))
            where = _where(scope)
            report.declared = await self._declared(session, sql, where, scope)
            report.acknowledge, report.acknowledge_by_severity = await self._spreads(
                session, sql, where, Incident.acknowledged_at
            )
            report.resolve, report.resolve_by_severity = await self._spreads(
                session, sql, where, Incident.resolved_at
            )
            report.never_led = await self._count(session, and_(where, Incident.acknowledged_at.is_(None)))
            report.still_open = await self._count(session, and_(where, Incident.resolved_at.is_(None)))
            report.in_status = await self._in_status(session, sql, where, now)
            report.followups = await self._followups(session, sql, scope)
            report.busiest = await self._busiest(session, sql, where)
            report.leads = await self._leads(session, where)
        return report

    async def _count(self, session: AsyncSession, where: ColumnElement[bool]) -> int:
        return int(await session.scalar(select(func.count()).select_from(Incident).where(where)) or 0)

    async def _declared(
        self, session: AsyncSession, sql: _Sql, where: ColumnElement[bool], scope: Scope
    ) -> dict[date, dict[Severity | None, int]]:
        week = sql.week(Incident.declared_at).label("week")
        rows = await session.execute(
            select(week, Incident.severity, func.count()).where(where).group_by(week, Incident.severity)
        )
        found: dict[date, dict[Severity | None, int]] = {w: {} for w in scope.period.weeks}
        for week_start, severity, count in rows.all():
            found.setdefault(_date(week_start), {})[severity] = int(count)
        return found

    async def _spreads(
        self, session: AsyncSession, sql: _Sql, where: ColumnElement[bool], until: Any
    ) -> tuple[dict[date, Spread], dict[Severity | None, Spread]]:
        seconds = sql.seconds(Incident.declared_at, until)
        base = (
            select(
                sql.week(Incident.declared_at).label("week"),
                Incident.severity.label("severity"),
                seconds.label("seconds"),
            )
            .where(where, until.is_not(None))
            .subquery()
        )
        by_week = await self._percentiles(session, base, base.c.week)
        by_severity = await self._percentiles(session, base, base.c.severity)
        return {_date(k): v for k, v in by_week.items()}, {
            (Severity(k) if k is not None else None): v for k, v in by_severity.items()
        }

    async def _percentiles(self, session: AsyncSession, base: Any, key: Any) -> dict[Any, Spread]:
        ranked = select(
            key.label("key"),
            base.c.seconds,
            func.row_number().over(partition_by=key, order_by=base.c.seconds).label("rank"),
            func.count().over(partition_by=key).label("n"),
        ).subquery()

        def at(share: float) -> Any:
            return func.min(_case_when(ranked.c.rank >= ranked.c.n * share, ranked.c.seconds))

        rows = await session.execute(
            select(ranked.c.key, func.max(ranked.c.n), at(0.5), at(0.9)).group_by(ranked.c.key)
        )
        return {k: Spread(int(n), _num(m), _num(p)) for k, n, m, p in rows.all()}

    async def _in_status(
        self, session: AsyncSession, sql: _Sql, where: ColumnElement[bool], now: datetime
    ) -> dict[Status, float]:
        """Each status change to the next (or to now): the status an incident moved into is read
        from the change's data; the time before the first change is `investigating`."""
        changes = (
            select(
                TimelineEntry.incident_id,
                TimelineEntry.occurred_at.label("at"),
                TimelineEntry.kind,
                TimelineEntry.text,
            )
            .join(Incident, Incident.id == TimelineEntry.incident_id)
            .where(
                where,
                TimelineEntry.kind.in_(
                    [EntryKind.DECLARED, EntryKind.STATUS, EntryKind.CLOSED, EntryKind.REOPENED]
                ),
            )
            .subquery()
        )
        following = func.lead(changes.c.at).over(partition_by=changes.c.incident_id, order_by=changes.c.at)
        spans = select(changes.c.kind, changes.c.text, changes.c.at, following.label("until")).subquery()
        seconds = sql.seconds(spans.c.at, func.coalesce(spans.c.until, sql.moment(now)))
        moved_to = _status_named(spans.c.text).label("moved_to")
        rows = await session.execute(
            select(spans.c.kind, moved_to, func.sum(seconds)).group_by(spans.c.kind, moved_to)
        )
        totals: dict[Status, float] = {}
        for kind, moved_to, total in rows.all():
            status = _status_after(EntryKind(kind), moved_to)
            if status is not None and total is not None:
                totals[status] = totals.get(status, 0.0) + float(total)
        return totals

    async def _followups(self, session: AsyncSession, sql: _Sql, scope: Scope) -> dict[date, tuple[int, int]]:
        found = {w: (0, 0) for w in scope.period.weeks}
        for column, slot in ((FollowUp.created_at, 0), (FollowUp.done_at, 1)):
            week = sql.week(column).label("week")
            rows = await session.execute(
                select(week, func.count())
                .join(Incident, Incident.id == FollowUp.incident_id)
                .where(column >= scope.period.starts_at, column < scope.period.ends_at, _visible(scope))
                .group_by(week)
            )
            for week_start, count in rows.all():
                opened, done = found.get(_date(week_start), (0, 0))
                found[_date(week_start)] = (int(count), done) if slot == 0 else (opened, int(count))
        return found

    async def _busiest(
        self, session: AsyncSession, sql: _Sql, where: ColumnElement[bool]
    ) -> dict[tuple[int, int], int]:
        day, hour = (
            sql.weekday(Incident.declared_at).label("day"),
            sql.hour(Incident.declared_at).label("hour"),
        )
        rows = await session.execute(select(day, hour, func.count()).where(where).group_by(day, hour))
        return {(int(d), int(h)): int(c) for d, h, c in rows.all()}

    async def _leads(self, session: AsyncSession, where: ColumnElement[bool]) -> list[tuple[str, str, int]]:
        led = func.count().label("led")
        rows = await session.execute(
            select(User.slack_id, User.real_name, User.display_name, User.name, led)
            .join(Incident, Incident.lead_id == User.id)
            .where(where)
            .group_by(User.id, User.slack_id, User.real_name, User.display_name, User.name)
            .order_by(led.desc(), User.slack_id)
            .limit(TOP_LEADS)
        )
        return [(sid, real or display or name or sid, int(n)) for sid, real, display, name, n in rows.all()]


def _visible(scope: Scope) -> ColumnElement[bool]:
    visible = Incident.id.in_(sorted(scope.private_ids)) if scope.private_ids else false()
    drills = true() if scope.drills else Incident.drill.is_(False)
    return and_(or_(Incident.private.is_(False), visible), drills)


def _where(scope: Scope) -> ColumnElement[bool]:
    clauses = [
        Incident.declared_at >= scope.period.starts_at,
        Incident.declared_at < scope.period.ends_at,
        _visible(scope),
    ]
    if scope.severities is not None:
        clauses.append(Incident.severity.in_(sorted(scope.severities)))
    if scope.statuses is not None:
        clauses.append(Incident.status.in_(sorted(scope.statuses)))
    return and_(*clauses)


class _Sql:
    """The few expressions Postgres and SQLite write differently."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"

    def week(self, column: Any) -> Any:
        if self.postgres:
            return func.date_trunc("week", func.timezone("UTC", column))
        return func.date(column, "-6 days", "weekday 1")

    def seconds(self, start: Any, end: Any) -> Any:
        if self.postgres:
            return func.round(func.extract("epoch", end - start))
        # julianday keeps about a millisecond: rounded to whole seconds, as the definitions say.
        return func.round((func.julianday(end) - func.julianday(start)) * 86400.0)

    def moment(self, value: datetime) -> Any:
        if self.postgres:
            return literal_column(f"TIMESTAMPTZ '{value.astimezone(UTC).isoformat()}'")
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")

    def weekday(self, column: Any) -> Any:
        """0 for Monday … 6 for Sunday."""
        if self.postgres:
            return func.extract("isodow", func.timezone("UTC", column)) - 1
        return (func.cast(func.strftime("%w", column), Integer) + 6) % 7

    def hour(self, column: Any) -> Any:
        if self.postgres:
            return func.extract("hour", func.timezone("UTC", column))
        return func.cast(func.strftime("%H", column), Integer)


def _case_when(condition: Any, value: Any) -> Any:
    return case((condition, value), else_=None)


def _status_named(text: Any) -> Any:
    """The status a status change moved to: its entry ends with the new status's label."""
    return case(*((text.like(f"%{s.label}"), s.value) for s in Status), else_=None)


def _status_after(kind: EntryKind, moved_to: str | None) -> Status | None:
    if kind in (EntryKind.DECLARED, EntryKind.REOPENED):
        return Status.INVESTIGATING
    if kind is EntryKind.CLOSED:
        return None  # resolved: the time after closing is not time spent on it
    try:
        return Status(moved_to) if moved_to else None
    except ValueError:
        return None


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _num(value: Any) -> float | None:
    return None if value is None else float(value)
