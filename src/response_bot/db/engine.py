"""The async engine and session factory, tuned per database kind."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from response_bot.db.errors import CommitUncertain, StorageError
from response_bot.db.unavailable import is_unavailable
from response_bot.errors import StartupError

log = logging.getLogger(__name__)
AFTER_COMMIT = "response_after_commit"


class Database:
    """Owns the engine; hands out sessions with `expire_on_commit=False` (no lazy loads after commit)."""

    def __init__(self, url: str, *, timeout: float = 2.0) -> None:
        self.url = url
        self.timeout = timeout
        self.engine = create_engine(url, connect_timeout=timeout)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # One statement needs no BEGIN and COMMIT around it: on Postgres that saves two round trips
        # and more than half the time. (SQLite is a local file: its transactions cost nothing.)
        self._single = (
            self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._reads = async_sessionmaker(self._single, expire_on_commit=False)

    def on_statement(self, callback: Callable[[], None]) -> None:
        """Call `callback()` for every statement sent to the database (metrics count them)."""
        event.listen(self.engine.sync_engine, "before_cursor_execute", lambda *_: callback())

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def describe(self) -> str:
        """Where the database is, for messages (never the password)."""
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            return f"SQLite file {parsed.database}"
        return f"{parsed.host}:{parsed.port or 5432}/{parsed.database}"

    async def reach(self) -> None:
        """Fail start-up in one line if the database does not answer within a few seconds."""
        if not await self.ping(timeout=5):
            raise StartupError(f"DATABASE_URL: cannot reach the database ({self.describe()})")

    @asynccontextmanager
    async def transaction(self, timeout: float | None = None) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits on success, rolls back on any exception.

        A database that cannot answer now (down, restarting, failing over, out of connections, or
        slower than `timeout`) becomes `StorageError`, so a listener can tell the person to
        try again while Slack's 3-second window is still open; if it went away during COMMIT itself
        the change may be stored, and that is `CommitUncertain`. Callbacks registered with
        `after_commit` run once the commit is known to have happened.
        """
        stage = "work"
        session: AsyncSession | None = None
        try:
            async with asyncio.timeout(timeout or self.timeout):
                async with self.sessions() as session:
                    async with session.begin():
                        yield session
                        await session.flush()  # every statement but COMMIT runs before "commit"
                        stage = "commit"
                    stage = "committed"
        except (GeneratorExit, asyncio.CancelledError):
            raise
        except BaseException as error:
            if stage == "committed":
                # Stored; only returning the connection failed. Nobody must be told to retry.
                log.warning("after a commit: %s", error)
            elif is_unavailable(error):
                raise (CommitUncertain() if stage == "commit" else StorageError()) from error
            else:
                raise
        assert session is not None
        for callback in session.info.pop(AFTER_COMMIT, ()):
            callback()

    @asynccontextmanager
    async def statement(self, timeout: float | None = None) -> AsyncIterator[AsyncConnection]:
        """For one writing statement, committed as it runs (no transaction around it).

        Errors are classified as in `transaction`; a statement whose answer was lost may or may
        not have been applied, so use it only for writes that are safe to find done (or redo).
        """
        async with self._answering(timeout), self._single.begin() as connection:
            yield connection

    @asynccontextmanager
    async def read(self, timeout: float | None = None) -> AsyncIterator[AsyncSession]:
        """A session for reading only, without a transaction around its statements."""
        async with self._answering(timeout), self._reads() as session:
            yield session

    @asynccontextmanager
    async def _answering(self, timeout: float | None) -> AsyncIterator[None]:
        """Within `timeout`; a database that cannot answer now becomes `StorageError`."""
        try:
            async with asyncio.timeout(timeout or self.timeout):
                yield
        except (GeneratorExit, asyncio.CancelledError):
            raise
        except BaseException as error:
            if is_unavailable(error):
                raise StorageError() from error
            raise

    async def ping(self, timeout: float = 2.0) -> bool:
        try:
            async with asyncio.timeout(timeout), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def warm(self, connections: int) -> None:
        """Open pooled connections now, so the first people to use the bot don't wait for them.

        A new asyncpg connection costs tens of milliseconds (a server process, then type
        introspection); without this, the first declaration after a start pays it mid-flow.
        """
        if self.is_sqlite:
            return
        opened = await asyncio.gather(*(self.engine.connect().start() for _ in range(connections)))
        for connection in opened:
            await connection.close()  # back into the pool, still open

    async def dispose(self) -> None:
        await self.engine.dispose()


def create_engine(url: str, *, connect_timeout: float = 2.0) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": 15})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    connect_args: dict[str, Any] = {"timeout": connect_timeout, "command_timeout": 30}
    engine = create_async_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_timeout=connect_timeout,
        # The most recently used connection first: a burst of transactions (one declaration makes
        # three) runs on one warm connection, which needs no ping (below).
        pool_use_lifo=True,
        connect_args=connect_args,
    )
    _ping_when_idle(engine, PING_IF_IDLE_FOR)
    return engine


# A pooled connection unused for this long is pinged before use, and replaced if the server has
# gone away meanwhile (a restart or failover). Pinging on every checkout, as `pool_pre_ping` does,
# would add a round trip to every transaction; a connection used a moment ago is alive unless the
# server went down and came back within that moment, and then the first statement's disconnect
# error invalidates the whole pool anyway (the user is asked to try again).
PING_IF_IDLE_FOR = 1.0


def _ping_when_idle(engine: AsyncEngine, idle_for: float) -> None:
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()  # also when it was just opened

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since < idle_for:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool throws this connection away and checks out another (or opens a new one).
            raise exc.DisconnectionError(f"stale pooled connection: {error}") from error

    event.listen(pool, "connect", checked_in)
    event.listen(pool, "checkin", checked_in)
    event.listen(pool, "checkout", checked_out)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, start transactions (see _sqlite_begin); savepoints need it too.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets the web pages read while a listener writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # SQLite has no SELECT … FOR UPDATE; taking the write lock when a transaction starts makes a
    # read-then-write (merging timeline sources, claiming a channel) safe against a concurrent one.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def dialect_name(bind: AsyncSession | AsyncConnection) -> str:
    if isinstance(bind, AsyncConnection):
        return bind.dialect.name
    return bind.get_bind().dialect.name


def conflict_insert(bind: AsyncSession | AsyncConnection | str) -> Callable[..., Any]:
    """`insert` with `on_conflict_do_nothing` / `on_conflict_do_update`: Postgres and SQLite both have
    INSERT … ON CONFLICT, but SQLAlchemy builds it per dialect. `bind` is a session, a connection or
    a dialect's name (for statements built once for either)."""
    name = bind if isinstance(bind, str) else dialect_name(bind)
    return postgresql.insert if name == "postgresql" else sqlite.insert


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run `callback` once this session's transaction has committed (never if it rolls back)."""
    session.info.setdefault(AFTER_COMMIT, []).append(callback)
