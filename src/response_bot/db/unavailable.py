"""Telling "the database can't answer right now" apart from a bug, for every driver and every moment.

A database that is restarting, failing over, shutting down, out of connections or unreachable
answers in many ways: a refused or reset socket, a pool that has no connection to lend, a server
message with a SQLSTATE (`57P03` "the database system is shutting down", `57P01` "terminating
connection due to administrator command", `53300` "too many connections", `25006` "read-only
transaction" on a standby that was the primary a moment ago…), or SQLite's "database is locked".
All of them, on the first statement of a new connection as much as mid-transaction, mean the same
thing to a person: try again in a moment. Anything else is a bug and is reported as one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from sqlalchemy import exc

# SQLSTATE classes and codes that say "not now" rather than "wrong".
_UNAVAILABLE_CLASSES = (
    "08",  # connection exception: refused, broken, lost mid-statement
    "53",  # insufficient resources: too many connections, out of memory, disk full
    "58",  # system error: I/O errors on the server
)
_UNAVAILABLE_CODES = frozenset(
    {
        "57P01",  # admin_shutdown: the server is stopping and ended this session
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now: starting up or shutting down
        "57P05",  # idle_session_timeout
        "57014",  # query_canceled: our statement timeout
        "25006",  # read_only_sql_transaction: a failover left us on a standby
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "55P03",  # lock_not_available
    }
)
# SQLite's own names for "busy, locked or can't reach the file right now".
_SQLITE_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_FULL")


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, what it wraps (`.orig`), and what caused it, each once."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for nested in (getattr(current, "orig", None), current.__cause__, current.__context__):
            if isinstance(nested, BaseException):
                pending.append(nested)


def sqlstate(error: BaseException) -> str | None:
    """The first SQLSTATE anywhere in the error's chain (asyncpg and its SQLAlchemy adapter set it)."""
    for link in _chain(error):
        code = getattr(link, "sqlstate", None) or getattr(link, "pgcode", None)
        if isinstance(code, str) and len(code) == 5:
            return code
    return None


def is_unavailable(error: BaseException) -> bool:
    """True when the error means the database could not answer now (so nothing it was asked was done)."""
    code = sqlstate(error)
    if code is not None:
        return code in _UNAVAILABLE_CODES or code.startswith(_UNAVAILABLE_CLASSES)
    for link in _chain(error):
        if isinstance(link, exc.DBAPIError) and link.connection_invalidated:
            return True
        if isinstance(
            link,
            (
                TimeoutError,
                asyncio.TimeoutError,
                OSError,  # refused, reset, unreachable, name lookup failed
                exc.TimeoutError,  # the pool had no connection to lend in time
                exc.DisconnectionError,
                exc.InterfaceError,
            ),
        ):
            return True
        name = getattr(link, "sqlite_errorname", None)
        if isinstance(name, str) and name.startswith(_SQLITE_UNAVAILABLE):
            return True
        if type(link).__name__ in ("ConnectionDoesNotExistError", "InterfaceError", "InternalClientError"):
            # asyncpg's own: the connection was closed under the statement
            return "closed" in str(link) or "does not exist" in str(link) or "lost" in str(link)
    return False
