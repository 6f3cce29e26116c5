"""Errors a user may be told about.

    UserError                 anything with a message fit to show the person who acted
    ├── StorageUnavailable    the database could not answer now; nothing was changed
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


class StorageUnavailable(UserError):
    def __init__(self) -> None:
        super().__init__(
            "The incident database isn't answering right now, so nothing was changed. "
            "Please try again in a moment."
        )


class CommitUncertain(StorageUnavailable):
    """The connection was lost during COMMIT: the change may or may not be stored.

    Services that can check (a change made under an idempotency key) look before raising this, so a
    person is never told to retry something that was in fact saved; this is what is left when the
    database is still not answering that question.
    """

    def __init__(self) -> None:
        UserError.__init__(
            self,
            "The incident database stopped answering just as this was being saved, so I can't tell "
            "yet whether it was. Please try again in a moment: if it was saved, it won't be saved twice.",
        )


class StartupError(Exception):
    """The bot cannot start; the message is one line an operator can act on."""
