"""The incident service on real Postgres and SQLite: storage rules that every adapter relies on."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from response_bot.db.engine import Database
from response_bot.db.errors import StorageError
from response_bot.incidents.enums import Severity, Status
from response_bot.incidents.errors import IncidentClosed, IncidentNotFound
from response_bot.incidents.fields import IncidentFields
from response_bot.incidents.models import Incident
from response_bot.incidents.service import IncidentService
from response_bot.users.models import User, UserRef
from tests.support.databases import PostgresTemplate
from tests.support.tcpproxy import TcpProxy

ALICE = UserRef("U0ALICE", name="alice")


async def count(db: Database, model: type) -> int:
    async with db.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_declared_incidents_keep_timezone_aware_utc_times(db: Database) -> None:
    service = IncidentService(db)
    declared = await service.declare(IncidentFields("Disk full", severity=Severity.MINOR), ALICE)
    incident = await service.get(declared.incident.id)
    assert (
        incident.started_at.utcoffset() is not None and incident.started_at.utcoffset().total_seconds() == 0
    )
    assert incident.status is Status.INVESTIGATING and incident.severity is Severity.MINOR
    assert incident.reporter.slack_id == "U0ALICE"


async def test_a_slack_user_is_stored_once_and_profile_fields_are_upserted(db: Database) -> None:
    service = IncidentService(db)
    await service.declare(IncidentFields("One"), ALICE)
    await service.declare(
        IncidentFields("Two", lead=UserRef("U0ALICE", display_name="Al")), UserRef("U0ALICE")
    )
    assert await count(db, User) == 1
    incident = await service.get(2)
    assert incident.reporter.name == "alice"  # not wiped by a later reference without a name
    assert incident.reporter.display_name == "Al"
    assert incident.lead is not None and incident.lead.id == incident.reporter.id


async def test_the_same_declare_key_twice_at_once_creates_one_incident(db: Database) -> None:
    service = IncidentService(db)
    first, second = await asyncio.gather(
        service.declare(IncidentFields("Race"), ALICE, declare_key="view:V1"),
        service.declare(IncidentFields("Race"), ALICE, declare_key="view:V1"),
    )
    assert sorted([first.created, second.created]) == [False, True]
    assert first.incident.id == second.incident.id
    assert await count(db, Incident) == 1


async def test_edit_reports_what_changed_and_nothing_when_nothing_did(db: Database) -> None:
    service = IncidentService(db)
    await service.declare(IncidentFields("Cache cold", summary="Slow"), ALICE)
    change = await service.edit(1, IncidentFields("Cache cold", summary="Slow", severity=Severity.CRITICAL))
    assert change.changed == {"severity"}
    again = await service.edit(1, IncidentFields("Cache cold", summary="Slow", severity=Severity.CRITICAL))
    assert not again.any
    cleared = await service.edit(1, IncidentFields("Cache cold"))
    assert cleared.changed == {"summary", "severity"} and cleared.incident.severity is None


async def test_closing_resolves_once_and_a_closed_incident_cannot_be_edited(db: Database) -> None:
    service = IncidentService(db)
    await service.declare(IncidentFields("Queue backlog"), ALICE)
    closed = await service.close(1)
    assert closed.any and closed.incident.status is Status.RESOLVED and closed.incident.resolved_at
    assert not (await service.close(1)).any
    with pytest.raises(IncidentClosed):
        await service.edit(1, IncidentFields("Queue backlog again"))


async def test_unknown_incidents_are_a_clear_error(db: Database) -> None:
    with pytest.raises(IncidentNotFound, match="Incident 404 doesn't exist"):
        await IncidentService(db).get(404)


async def test_an_unreachable_database_is_storage_unavailable_within_the_timeout(
    postgres_template: PostgresTemplate,
) -> None:
    """A cut connection becomes StorageError quickly, not a hang or a raw driver error."""
    await postgres_template.reset()
    proxy = await TcpProxy("127.0.0.1", 5432).start()
    db = Database(postgres_template.url.replace(":5432", f":{proxy.port}"), timeout=1.0)
    try:
        service = IncidentService(db)
        await service.declare(IncidentFields("Before"), ALICE)
        await proxy.cut()
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(StorageError):
            await service.declare(IncidentFields("During"), ALICE)
        assert loop.time() - started < 2.5
        proxy.restore()
        await service.declare(IncidentFields("After"), ALICE)
        assert [i.title for i in [await service.get(1), await service.get(2)]] == ["Before", "After"]
    finally:
        await db.dispose()
        await proxy.stop()
