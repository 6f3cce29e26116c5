"""Each insight's definition, on hand-made incidents: what counts, in which week, and how ties,
open incidents, reopened ones, incidents without a lead, drills and private ones are treated."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from response_bot.db.engine import Database
from response_bot.incidents.enums import Severity, Status
from response_bot.incidents.fields import IncidentFields
from response_bot.incidents.insights import Insights, Period, Scope, Spread
from response_bot.incidents.service import IncidentService
from response_bot.users.models import UserRef

ALICE, BOB, CAROL = (
    UserRef("U0ALICE1", real_name="Alice"),
    UserRef("U0BOB001", real_name="Bob"),
    UserRef("U0CAROL1", real_name="Carol"),
)
WEEK1, WEEK2 = date(2026, 11, 2), date(2026, 11, 9)
NOW = datetime(2026, 11, 4, 16, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def at(self, *parts: int) -> None:
        self.now = datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.fixture
async def made(db: Database) -> IncidentService:
    """A: critical, led after 10 min, identified, closed after 2 h, one follow-up done the next week.
    B: major, declared with a lead, closed, reopened, closed again (2 h from declaring to the last).
    C: minor, never led, still open. D: a drill. E: private, in the second week."""
    clock = Clock()
    service = IncidentService(db, clock=clock)
    clock.at(2026, 11, 2, 10, 0)
    a = (await service.declare(IncidentFields("A", severity=Severity.CRITICAL), ALICE)).incident.id
    clock.at(2026, 11, 2, 10, 10)
    await service.assign(a, "lead", BOB, actor=ALICE)
    clock.at(2026, 11, 2, 10, 30)
    await service.set_status(a, Status.IDENTIFIED, actor=BOB)
    clock.at(2026, 11, 2, 11, 0)
    await service.add_followup(a, "Add a canary", actor=BOB)
    clock.at(2026, 11, 2, 12, 0)
    await service.close(a, actor=BOB)
    clock.at(2026, 11, 3, 9, 0)
    b = (await service.declare(IncidentFields("B", severity=Severity.MAJOR, lead=CAROL), ALICE)).incident.id
    clock.at(2026, 11, 3, 9, 30)
    await service.close(b, actor=CAROL)
    clock.at(2026, 11, 3, 10, 0)
    await service.reopen(b, actor=CAROL)
    clock.at(2026, 11, 3, 11, 0)
    await service.close(b, actor=CAROL)
    clock.at(2026, 11, 4, 14, 0)
    await service.declare(IncidentFields("C", severity=Severity.MINOR), ALICE)
    clock.at(2026, 11, 5, 9, 0)
    d = (
        await service.declare(IncidentFields("D drill", severity=Severity.CRITICAL, drill=True), ALICE)
    ).incident.id
    clock.at(2026, 11, 5, 9, 5)
    await service.close(d, actor=ALICE)
    clock.at(2026, 11, 10, 8, 0)
    e = (
        await service.declare(IncidentFields("E secret", severity=Severity.CRITICAL, private=True), ALICE)
    ).incident.id
    clock.at(2026, 11, 10, 8, 5)
    await service.assign(e, "lead", BOB, actor=ALICE)
    clock.at(2026, 11, 10, 9, 0)
    await service.close(e, actor=BOB)
    await service.set_followup_done((await service.followups(a))[0].id, True, actor=BOB)
    return service


def scope(**changes: object) -> Scope:
    return Scope(Period.between(WEEK1, WEEK2 + timedelta(days=6)), **changes)  # type: ignore[arg-type]


async def test_declared_per_week_by_severity_leaves_out_drills_and_private_incidents(
    db: Database, made: IncidentService
) -> None:
    report = await Insights(db).report(scope(), now=NOW)
    assert report.declared == {
        WEEK1: {Severity.CRITICAL: 1, Severity.MAJOR: 1, Severity.MINOR: 1},
        WEEK2: {},
    }
    with_all = await Insights(db).report(scope(drills=True, private_ids=frozenset({5})), now=NOW)
    assert with_all.declared[WEEK1][Severity.CRITICAL] == 2 and with_all.declared[WEEK2] == {
        Severity.CRITICAL: 1
    }
    only_major = await Insights(db).report(scope(severities=frozenset({Severity.MAJOR})), now=NOW)
    assert only_major.total == 1


async def test_acknowledge_and_resolve_times_with_nearest_rank_percentiles(
    db: Database, made: IncidentService
) -> None:
    report = await Insights(db).report(scope(), now=NOW)
    # Acknowledged: A after 600 s, B at once (declared with a lead); C never.
    assert report.acknowledge[WEEK1] == Spread(2, 0.0, 600.0)
    assert report.never_led == 1
    # Resolved: A after 2 h; B after 2 h to its last resolution (reopened in between); C is open.
    assert report.resolve[WEEK1] == Spread(2, 7200.0, 7200.0)
    assert report.still_open == 1
    assert report.resolve_by_severity[Severity.CRITICAL] == Spread(1, 7200.0, 7200.0)
    assert Severity.MINOR not in report.resolve_by_severity
    assert WEEK2 not in report.resolve


async def test_time_in_status_follows_each_change_and_stops_while_closed(
    db: Database, made: IncidentService
) -> None:
    report = await Insights(db).report(scope(), now=NOW)
    # A: 30 min investigating, 90 min identified. B: 30 min, then (after reopening) 60 min
    # investigating; the half hour it was closed does not count. C: investigating for 2 h until now.
    assert report.in_status == {
        Status.INVESTIGATING: (30 + 30 + 60 + 120) * 60.0,
        Status.IDENTIFIED: 90 * 60.0,
    }


async def test_follow_ups_busiest_hours_and_leads(db: Database, made: IncidentService) -> None:
    report = await Insights(db).report(scope(), now=NOW)
    assert report.followups == {WEEK1: (1, 0), WEEK2: (0, 1)}
    assert report.busiest == {(0, 10): 1, (1, 9): 1, (2, 14): 1}
    assert report.leads == [("U0BOB001", "Bob", 1), ("U0CAROL1", "Carol", 1)]  # a tie: by id


async def test_one_incidents_phases_bands_and_marks(db: Database, made: IncidentService) -> None:
    from response_bot.incidents.phases import bands, markers, phases
    from response_bot.incidents.queries import IncidentQueries

    queries = IncidentQueries(db)
    a = await queries.record(1)
    assert [(p.status, p.duration) for p in phases(a, NOW)] == [
        (Status.INVESTIGATING, timedelta(minutes=30)),
        (Status.IDENTIFIED, timedelta(minutes=90)),
    ]
    assert [(m.kind, m.at.time().isoformat()) for m in markers(a)] == [("lead", "10:10:00")]
    b = await queries.record(2)
    # Closed at 09:30, reopened at 10:00: the gap shows as closed; the last close ends it.
    assert [(p.status, p.duration) for p in phases(b, NOW)] == [
        (Status.INVESTIGATING, timedelta(minutes=30)),
        (None, timedelta(minutes=30)),
        (Status.INVESTIGATING, timedelta(hours=1)),
    ]
    c = await queries.record(3)  # open: up to now
    assert [(p.status, p.duration) for p in phases(c, NOW)] == [(Status.INVESTIGATING, timedelta(hours=2))]
    assert [(band.severity, band.end - band.start) for band in bands(c, NOW)] == [
        (Severity.MINOR, timedelta(hours=2))
    ]


async def test_severity_bands_follow_its_changes(db: Database) -> None:
    from response_bot.incidents.phases import bands
    from response_bot.incidents.queries import IncidentQueries

    clock = Clock()
    service = IncidentService(db, clock=clock)
    clock.at(2026, 11, 2, 10, 0)
    incident = (await service.declare(IncidentFields("S"), ALICE)).incident.id
    clock.at(2026, 11, 2, 10, 15)
    await service.set_severity(incident, Severity.MAJOR, actor=ALICE)
    clock.at(2026, 11, 2, 10, 45)
    await service.set_severity(incident, Severity.CRITICAL, actor=ALICE)
    clock.at(2026, 11, 2, 11, 0)
    await service.close(incident, actor=ALICE)
    record = await IncidentQueries(db).record(incident)
    assert [(band.severity, band.end - band.start) for band in bands(record, NOW)] == [
        (None, timedelta(minutes=15)),
        (Severity.MAJOR, timedelta(minutes=30)),
        (Severity.CRITICAL, timedelta(minutes=15)),
    ]
