"""Setting, reading and re-encrypting secrets. Values never leave this module except to their caller."""

from __future__ import annotations

import re

from sqlalchemy import delete, select

from response_bot.crypto import FieldCipher
from response_bot.db.base import utcnow
from response_bot.db.engine import Database
from response_bot.errors import UserError
from response_bot.vault.models import StoredSecret

NAME = re.compile(r"[a-z][a-z0-9_.-]{0,99}")


class VaultClosed(UserError):
    def __init__(self) -> None:
        super().__init__("Secrets need ENCRYPTED_FIELD_KEY to be set (see README.md, 'Secrets').")


class NoSuchSecret(UserError):
    def __init__(self, name: str) -> None:
        super().__init__(f"There is no secret called {name!r}.")


def _context(name: str) -> str:
    return f"secret:{name}"


class Vault:
    def __init__(self, db: Database, cipher: FieldCipher | None) -> None:
        self._db = db
        self._cipher = cipher

    def _open(self) -> FieldCipher:
        if self._cipher is None:
            raise VaultClosed()
        return self._cipher

    @staticmethod
    def check_name(name: str) -> str:
        if not NAME.fullmatch(name):
            raise UserError(
                "Secret names are lowercase letters, digits, '_', '.' or '-', starting with a letter."
            )
        return name

    async def set(self, name: str, value: str) -> None:
        cipher = self._open()
        name = self.check_name(name)
        token = cipher.encrypt(_context(name), value)
        async with self._db.transaction() as session:
            stored = (
                await session.execute(select(StoredSecret).where(StoredSecret.name == name))
            ).scalar_one_or_none()
            if stored is None:
                session.add(StoredSecret(name=name, ciphertext=token, updated_at=utcnow()))
            else:
                stored.ciphertext, stored.updated_at = token, utcnow()

    async def get(self, name: str) -> str:
        cipher = self._open()
        async with self._db.transaction() as session:
            stored = (
                await session.execute(select(StoredSecret).where(StoredSecret.name == name))
            ).scalar_one_or_none()
        if stored is None:
            raise NoSuchSecret(name)
        return cipher.decrypt(_context(name), stored.ciphertext)

    async def names(self) -> list[str]:
        async with self._db.transaction() as session:
            return list(
                (await session.execute(select(StoredSecret.name).order_by(StoredSecret.name))).scalars()
            )

    async def delete(self, name: str) -> bool:
        async with self._db.transaction() as session:
            result = await session.execute(delete(StoredSecret).where(StoredSecret.name == name))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def rotate(self) -> int:
        """Re-encrypt every secret under the newest key; returns how many were rewritten."""
        cipher = self._open()
        async with self._db.transaction() as session:
            rows = list((await session.execute(select(StoredSecret))).scalars())
            for row in rows:
                cipher.decrypt(_context(row.name), row.ciphertext)  # refuse to rotate a tampered row
                row.ciphertext = cipher.rotate(row.ciphertext)
            return len(rows)
