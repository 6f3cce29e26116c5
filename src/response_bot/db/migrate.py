"""Apply Alembic migrations from code (the `migrate` command and `run` at start).

Alembic itself is imported only when there is something to do: `run` first compares the database's
revision with the newest migration file, and a schema already at head costs one query and none of
Alembic's ~11 MB of resident memory.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

from response_bot.db.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def script_location() -> Path:
    """Migrations ship inside the wheel; in a source checkout they live at the top level."""
    bundled = _PACKAGE_DIR / "_migrations"
    if bundled.is_dir():
        return bundled
    checkout = _PACKAGE_DIR.parent.parent / "migrations"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("migrations directory not found next to the package or the checkout")


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location()))
    # Alembic's config is %-interpolated; a password may contain '%'.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]+)?=\s*(.+?)\s*$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


def head_revision() -> str | None:
    """The newest migration, read from the files' `revision`/`down_revision` lines.

    None when that is not one clear answer (several heads, an unusual file): then Alembic decides.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (script_location() / "versions").glob("*.py"):
        found = dict((name, value) for name, value in _REVISION.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        own = _QUOTED.findall(found["revision"])
        if len(own) != 1:
            return None
        revisions.add(own[0])
        parents.update(_QUOTED.findall(found.get("down_revision", "None")))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


async def current_revision(database_url: str) -> str | None:
    """The revision the database is at; None for a database Alembic has never touched."""
    db = Database(database_url)
    try:
        async with db.engine.connect() as connection:
            exists = await connection.run_sync(lambda sync: sync.dialect.has_table(sync, "alembic_version"))
            if not exists:
                return None
            rows = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars()
            versions = list(rows)
    finally:
        await db.dispose()
    return versions[0] if len(versions) == 1 else None


async def is_current(database_url: str) -> bool:
    head = head_revision()
    return head is not None and await current_revision(database_url) == head


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    # env.py drives its own event loop, so it runs in a worker thread.
    await asyncio.to_thread(upgrade, database_url, revision)
