"""What the database layer raises when the database can't do what it was asked now.

    StorageError          the database could not answer (down, restarting, failing over, out of
    │                     connections, too slow): nothing it was asked was done
    └── CommitUncertain   the connection was lost during COMMIT: the change may be stored

These carry no words for people: each boundary (Slack, the web pages) says it its own way.
"""

from __future__ import annotations


class StorageError(Exception):
    """The database could not answer now; nothing it was asked was done."""


class CommitUncertain(StorageError):
    """The connection was lost during COMMIT, so the change may or may not be stored.

    Services that can check (a change made under an idempotency key) look before raising this.
    """
