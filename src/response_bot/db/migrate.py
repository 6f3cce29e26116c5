"""Apply Alembic migrations from code (the `migrate` command and `run` at start)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
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
    config = Config()
    config.set_main_option("script_location", str(script_location()))
    # Alembic's config is %-interpolated; a password may contain '%'.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    # env.py drives its own event loop, so it runs in a worker thread.
    await asyncio.to_thread(upgrade, database_url, revision)
