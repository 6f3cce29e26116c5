"""Test databases: one migrated Postgres database per test session, a migrated SQLite file per test."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
from sqlalchemy import text

from response_bot.db import migrate
from response_bot.db.engine import Database
from response_bot.schema import metadata

ADMIN_DSN = os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


def postgres_url(dsn: str, database: str) -> str:
    base, _, _ = dsn.rpartition("/")
    return f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{database}"


async def create_postgres_database(name: str) -> None:
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def drop_postgres_database(name: str) -> None:
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def new_database_name(prefix: str = "response_test") -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"


def off_loop(work: Callable[[], None]) -> None:
    """Run set-up that drives its own event loop, even when called from inside a running one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(work).result()


class PostgresTemplate:
    """A migrated database shared by the session; each test starts from empty tables."""

    def __init__(self) -> None:
        self.name = new_database_name()
        self.url = postgres_url(ADMIN_DSN, self.name)

    def create(self) -> None:
        off_loop(lambda: asyncio.run(create_postgres_database(self.name)))
        off_loop(lambda: migrate.upgrade(self.url))

    def drop(self) -> None:
        off_loop(lambda: asyncio.run(drop_postgres_database(self.name)))

    async def reset(self) -> None:
        db = Database(self.url)
        try:
            async with db.transaction() as session:
                tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
                await session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        finally:
            await db.dispose()


class SqliteTemplate:
    """A migrated SQLite file made once; each test gets its own copy."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.db"

    def create(self) -> None:
        off_loop(lambda: migrate.upgrade(f"sqlite+aiosqlite:///{self.path}"))

    def copy_to(self, directory: Path) -> str:
        target = directory / "response.db"
        shutil.copyfile(self.path, target)
        return f"sqlite+aiosqlite:///{target}"
