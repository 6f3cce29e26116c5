"""Errors a user may be told about.

    UserError                 anything with a message fit to show the person who acted
    ├── StorageError    the database could not answer now; nothing was changed
    │   └── CommitUncertain   the database went away while committing: the change may be stored
    └── incidents.errors.IncidentError
        ├── IncidentNotFound
        ├── InvalidInput       field → message, shown inside a modal
        ├── InvalidSeverity
        ├── InvalidStatus
        └── IncidentClosed

Anything else is a bug: logged with a reference id that the user also sees.
"""

from __future__ import annotations


class UserError(Exception):
    """An error whose message is safe and useful to show in Slack."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StartupError(Exception):
    """The bot cannot start; the message is one line an operator can act on."""
