"""Every way a real PostgreSQL says "not now" is the one "try again" error, on the first statement of a
new connection as much as mid-transaction; and a change that was in fact stored is never reported as
not stored (the database is asked, by its idempotency key, when the commit's answer was lost)."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from response_bot.db.base import utcnow
from response_bot.db.engine import Database
from response_bot.db.errors import CommitUncertain, StorageError
from response_bot.db.idempotency import HandledDelivery
from response_bot.db.unavailable import is_unavailable
from response_bot.incidents.enums import Severity
from response_bot.incidents.fields import IncidentFields
from response_bot.incidents.models import Incident
from response_bot.incidents.service import IncidentService
from response_bot.slack.transport.errors import describe
from response_bot.users.models import UserRef
from tests.support.databases import (
    ADMIN_DSN,
    create_postgres_database,
    drop_postgres_database,
    new_database_name,
    postgres_url,
)
from tests.support.pgcluster import BIN, PrivateCluster
from tests.support.tcpproxy import TcpProxy

ALICE = UserRef("U0ALICE", name="alice")


async def write(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(text("CREATE TEMP TABLE IF NOT EXISTS probe (n int)"))
        await session.execute(text("INSERT INTO probe VALUES (1)"))


def dsn(cluster: PrivateCluster, user: str = "postgres") -> str:
    return f"postgresql://{user}@127.0.0.1:{cluster.port}/postgres"


async def test_a_server_shutting_down_is_try_again_even_on_a_new_connections_first_statement(
    cluster: PrivateCluster,
) -> None:
    """SQLSTATE 57P03 "the database system is shutting down", which a smart shutdown answers while
    it waits for the sessions still open."""
    holder = await asyncpg.connect(dsn(cluster))  # keeps the server in its shutting-down state
    try:
        await asyncio.to_thread(
            subprocess.run,
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                f"{BIN}/pg_ctl",
                "-D",
                cluster.data,
                "-m",
                "smart",
                "-W",
                "stop",
            ],
            check=True,
            capture_output=True,
        )
        with pytest.raises(asyncpg.CannotConnectNowError):  # the server really says 57P03
            await (await asyncpg.connect(dsn(cluster))).close()
        db = Database(cluster.url)  # a fresh pool: the first statement opens a connection
        try:
            with pytest.raises(StorageError) as raised:
                await write(db)
            assert not isinstance(raised.value, CommitUncertain)
            assert is_unavailable(raised.value.__cause__)  # type: ignore[arg-type]
            with pytest.raises(StorageError):
                await IncidentService(db).declare(IncidentFields("Disk full"), ALICE)
        finally:
            await db.dispose()
    finally:
        await holder.close()


async def test_a_session_ended_by_the_administrator_is_try_again_then_the_pool_recovers(
    cluster: PrivateCluster,
) -> None:
    """SQLSTATE 57P01 "terminating connection due to administrator command" on a pooled connection."""
    db = Database(cluster.url)
    try:
        async with db.transaction() as session:
            pid = await session.scalar(text("SELECT pg_backend_pid()"))
        admin = await asyncpg.connect(dsn(cluster))
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
        await admin.close()
        with pytest.raises(StorageError):
            await write(db)  # the same pooled connection, used at once (no ping): the statement fails
        await write(db)  # a new connection: fine
    finally:
        await db.dispose()


async def test_too_many_connections_is_try_again(cluster: PrivateCluster) -> None:
    """SQLSTATE 53300, here "too many connections for role"."""
    admin = await asyncpg.connect(dsn(cluster))
    await admin.execute("CREATE ROLE crowded LOGIN CONNECTION LIMIT 1")
    first = await asyncpg.connect(dsn(cluster, "crowded"))
    db = Database(cluster.url.replace("postgres@", "crowded@"))
    try:
        with pytest.raises(StorageError):
            await write(db)
    finally:
        await db.dispose()
        await first.close()
        await admin.close()


async def test_a_read_only_database_after_a_failover_is_try_again() -> None:
    """SQLSTATE 25006: the address now leads to a server that only reads (a standby)."""
    name = new_database_name("response_readonly")
    await create_postgres_database(name)
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        db = Database(postgres_url(ADMIN_DSN, name))
        try:
            with pytest.raises(StorageError):
                await write(db)
        finally:
            await db.dispose()
    finally:
        await admin.close()
        await drop_postgres_database(name)


async def test_a_refused_connection_and_an_empty_pool_are_try_again_within_the_timeout(
    cluster: PrivateCluster,
) -> None:
    db = Database(cluster.url, timeout=0.5)
    held = [await db.engine.connect() for _ in range(20)]  # every pooled and overflow connection
    try:
        with pytest.raises(StorageError):
            await write(db)  # the pool has nothing to lend in time
    finally:
        for connection in held:
            await connection.close()
    await cluster.stop_async()
    try:
        await db.dispose()
        with pytest.raises(StorageError):
            await write(db)  # nothing listening
    finally:
        await cluster.start_async()
        await db.dispose()


async def test_bugs_are_not_outages(db: Database) -> None:
    async def typo() -> None:
        async with db.transaction() as session:
            await session.execute(text("SELEC 1"))

    async def twice() -> None:
        async with db.transaction() as session:
            session.add(HandledDelivery(key="k", handled_at=utcnow()))
            await session.flush()
            session.add(HandledDelivery(key="k", handled_at=utcnow()))

    with pytest.raises(DBAPIError) as typed:  # SQLite calls a syntax error "operational"
        await typo()
    assert not isinstance(typed.value, StorageError) and not is_unavailable(typed.value)
    with pytest.raises(IntegrityError) as duplicate:
        await twice()
    assert not is_unavailable(duplicate.value)


@pytest.fixture
async def proxied(postgres_template: object) -> AsyncIterator[tuple[Database, TcpProxy]]:
    from tests.support.databases import PostgresTemplate

    assert isinstance(postgres_template, PostgresTemplate)
    await postgres_template.reset()
    port = int(postgres_template.url.rsplit(":", 1)[1].split("/")[0])
    proxy = await TcpProxy("127.0.0.1", port).start()
    db = Database(postgres_template.url.replace(f":{port}/", f":{proxy.port}/"))
    yield db, proxy
    await db.dispose()
    await proxy.stop()


def lose_at_commit(db: Database, proxy: TcpProxy, direction: str) -> None:
    """At the next COMMIT: lose it on its way to the server ("up") or lose the server's answer ("down")."""

    armed = [True]

    def at_commit(_connection: object) -> None:
        if armed:
            armed.clear()
            proxy.lose = direction

    event.listen(db.engine.sync_engine, "commit", at_commit)


async def test_a_change_whose_commit_answer_was_lost_is_known_to_be_stored_not_retried(
    proxied: tuple[Database, TcpProxy],
) -> None:
    db, proxy = proxied
    incidents = IncidentService(db)
    incident = (await incidents.declare(IncidentFields("Disk full"), ALICE)).incident
    lose_at_commit(db, proxy, "down")
    change = await incidents.set_severity(incident.id, Severity.CRITICAL, actor=ALICE, key="cmd:C1:1.0")
    assert change.duplicate and change.incident.severity is Severity.CRITICAL  # stored after all
    assert (await incidents.get(incident.id)).severity is Severity.CRITICAL


async def test_a_change_whose_commit_never_arrived_is_reported_as_not_stored(
    proxied: tuple[Database, TcpProxy],
) -> None:
    db, proxy = proxied
    incidents = IncidentService(db)
    incident = (await incidents.declare(IncidentFields("Disk full"), ALICE)).incident
    lose_at_commit(db, proxy, "up")
    with pytest.raises(StorageError) as raised:
        await incidents.set_severity(incident.id, Severity.CRITICAL, actor=ALICE, key="cmd:C1:2.0")
    assert not isinstance(raised.value, CommitUncertain)  # it looked: nothing was stored
    assert (await incidents.get(incident.id)).severity is None


async def test_a_declaration_whose_commit_answer_was_lost_is_found_by_its_submission(
    proxied: tuple[Database, TcpProxy],
) -> None:
    db, proxy = proxied
    incidents = IncidentService(db)
    lose_at_commit(db, proxy, "down")
    declared = await incidents.declare(IncidentFields("Disk full"), ALICE, declare_key="view:V1")
    assert not declared.created and declared.incident.title == "Disk full"
    async with db.transaction() as session:
        assert len((await session.scalars(select(Incident))).all()) == 1


async def test_when_the_database_cannot_even_say_the_person_is_told_it_may_be_stored(
    proxied: tuple[Database, TcpProxy],
) -> None:
    db, proxy = proxied
    incidents = IncidentService(db)
    incident = (await incidents.declare(IncidentFields("Disk full"), ALICE)).incident

    armed = [True]

    def gone(_connection: object) -> None:
        if armed:
            armed.clear()
            proxy.lose = "down"
            proxy.accepting = False  # and no new connection to ask on

    event.listen(db.engine.sync_engine, "commit", gone)
    with pytest.raises(CommitUncertain) as raised:
        await incidents.set_severity(incident.id, Severity.CRITICAL, actor=ALICE, key="cmd:C1:3.0")
    said, reference = describe(raised.value)  # what the Slack boundary tells the person
    assert "can't tell" in said and "won't be saved twice" in said and reference is None
    proxy.restore()
