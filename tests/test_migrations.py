"""Migrations are the schema: upgrade to head matches the models exactly, and downgrade undoes it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from response_bot.db import migrate
from response_bot.db.engine import create_engine
from response_bot.schema import metadata
from tests.support.databases import (
    ADMIN_DSN,
    create_postgres_database,
    drop_postgres_database,
    new_database_name,
    off_loop,
    postgres_url,
)


def _diff_and_tables(url: str) -> tuple[list[object], set[str]]:
    async def inspect_db() -> tuple[list[object], set[str]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:

                def both(sync_connection: object) -> tuple[list[object], set[str]]:
                    context = MigrationContext.configure(sync_connection, opts={"compare_type": True})  # type: ignore[arg-type]
                    tables = set(inspect(sync_connection).get_table_names()) - {"alembic_version"}
                    return compare_metadata(context, metadata), tables

                return await connection.run_sync(both)
        finally:
            await engine.dispose()

    result: list[tuple[list[object], set[str]]] = []
    off_loop(lambda: result.append(asyncio.run(inspect_db())))
    return result[0]


def _round_trip(url: str) -> None:
    migrate.upgrade(url)
    diff, tables = _diff_and_tables(url)
    assert diff == [], f"models and migrations disagree: {diff}"
    assert tables == set(metadata.tables)
    migrate.downgrade(url, "base")
    _, tables = _diff_and_tables(url)
    assert tables == set()
    migrate.upgrade(url)  # and back up again, so downgrade left nothing behind that blocks it


def test_sqlite_upgrade_matches_models_and_downgrades_cleanly(tmp_path: Path) -> None:
    _round_trip(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")


def test_postgres_upgrade_matches_models_and_downgrades_cleanly() -> None:
    name = new_database_name("response_migrations")
    asyncio.run(create_postgres_database(name))
    try:
        _round_trip(postgres_url(ADMIN_DSN, name))
    finally:
        asyncio.run(drop_postgres_database(name))


@pytest.mark.parametrize("url", ["postgres://nobody@127.0.0.1:1/none"])
def test_migrate_command_reports_an_unreachable_database_in_one_line(url: str) -> None:
    import os

    from response_bot.cli import main

    env = {"SLACK_BOT_TOKEN": "xoxb-1-2-3", "SLACK_APP_TOKEN": "xapp-1-2-3", "DATABASE_URL": url}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        assert main(["migrate"]) == 1
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_the_head_read_from_the_files_is_the_one_alembic_finds() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert migrate.head_revision() == script.get_current_head()


def test_run_skips_alembic_only_when_the_schema_is_already_at_head(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
    assert asyncio.run(migrate.current_revision(url)) is None
    assert not asyncio.run(migrate.is_current(url))  # new database: migrate
    migrate.upgrade(url, "0004")
    assert asyncio.run(migrate.current_revision(url)) == "0004"
    assert not asyncio.run(migrate.is_current(url))  # one behind: migrate
    migrate.upgrade(url)
    assert asyncio.run(migrate.is_current(url))  # at head: nothing to do


def _proposals_across_0007(url: str) -> None:
    """A proposal waiting for its proposer survives the rename both ways, and new ones still get ids."""
    from sqlalchemy import text

    async def run(statements: list[str]) -> list[tuple[object, ...]]:
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                rows: list[tuple[object, ...]] = []
                for statement in statements:
                    result = await connection.execute(text(statement))
                    rows += [tuple(r) for r in result] if result.returns_rows else []
                return rows
        finally:
            await engine.dispose()

    def sql(*statements: str) -> list[tuple[object, ...]]:
        result: list[list[tuple[object, ...]]] = []
        off_loop(lambda: result.append(asyncio.run(run(list(statements)))))
        return result[0]

    now = "'2026-12-03 10:00:00+00:00'"
    migrate.upgrade(url, "0006")
    sql(
        "INSERT INTO slack_users (slack_id, name, real_name, display_name, is_bot, deleted, updated_at) "
        f"VALUES ('U1', 'ana', 'Ana', 'Ana', false, false, {now})",
        "INSERT INTO incidents (title, status, reporter_id, declared_at, started_at, updated_at, private) "
        f"VALUES ('Checkout down', 'investigating', 1, {now}, {now}, {now}, false)",
        "INSERT INTO pending_edits (incident_id, field, text, proposed_by, created_at) "
        f"VALUES (1, 'summary', 'Card payments fail', 'U1', {now})",
    )
    migrate.upgrade(url)
    assert sql(
        "INSERT INTO proposals (incident_id, field, text, proposed_by, created_at) "
        f"VALUES (1, 'impact', 'Everyone paying', 'U1', {now})",
        "SELECT id, field, text FROM proposals ORDER BY id",
    ) == [(1, "summary", "Card payments fail"), (2, "impact", "Everyone paying")]
    migrate.downgrade(url, "0006")
    assert sql("SELECT id, field FROM pending_edits ORDER BY id") == [(1, "summary"), (2, "impact")]


def test_proposals_survive_their_table_rename_on_sqlite(tmp_path: Path) -> None:
    _proposals_across_0007(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")


def test_proposals_survive_their_table_rename_on_postgres() -> None:
    name = new_database_name("response_proposals")
    asyncio.run(create_postgres_database(name))
    try:
        _proposals_across_0007(postgres_url(ADMIN_DSN, name))
    finally:
        asyncio.run(drop_postgres_database(name))
