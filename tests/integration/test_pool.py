"""Pooled Postgres connections survive the server dropping them (a restart, a failover, a kill)."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import text

from response_bot.db import engine as engine_module
from response_bot.db.engine import Database
from response_bot.db.errors import StorageError
from tests.support.databases import ADMIN_DSN, postgres_url


async def backend_pid(db: Database) -> int:
    async with db.transaction() as session:
        return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def kill(pid: int) -> None:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_an_idle_connection_the_server_dropped_is_replaced_unnoticed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine_module, "PING_IF_IDLE_FOR", 0.0)  # every checkout counts as idle
    db = Database(postgres_url(ADMIN_DSN, "postgres"))
    try:
        first = await backend_pid(db)
        await kill(first)
        second = await backend_pid(db)  # no error: the ping found it dead, a new one was opened
        assert second != first
    finally:
        await db.dispose()


async def test_a_connection_used_a_moment_ago_is_not_pinged_and_one_failure_clears_the_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine_module, "PING_IF_IDLE_FOR", 3600.0)  # never idle long enough
    db = Database(postgres_url(ADMIN_DSN, "postgres"))
    try:
        first = await backend_pid(db)
        await kill(first)
        with pytest.raises(StorageError):  # the trade: this one transaction is told to retry
            await backend_pid(db)
        assert await backend_pid(db) != first  # and the next one works on a fresh connection
    finally:
        await db.dispose()
