"""What the database layer raises when the database can't do what it was asked now (`StorageError`,
and `CommitUncertain` when the answer to COMMIT was lost). They carry no words for people: each
boundary says it its own way (the whole tree is drawn in `response_bot.errors`)."""

from __future__ import annotations


class StorageError(Exception):
    """The database could not answer now; nothing it was asked was done."""


class CommitUncertain(StorageError):
    """The connection was lost during COMMIT, so the change may or may not be stored.

    Services that can check (a change made under an idempotency key) look before raising this.
    """
