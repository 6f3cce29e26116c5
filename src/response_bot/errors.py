"""Every error a person is told about, and where it is put into words.

    Exception
    ├── UserError                        its message is fit to show the person who acted
    │   ├── incidents.errors.IncidentError
    │   │   ├── IncidentNotFound
    │   │   ├── InvalidInput             field → message, shown under the field in a modal
    │   │   ├── InvalidSeverity
    │   │   ├── InvalidStatus
    │   │   ├── IncidentClosed
    │   │   ├── InvalidAssignee          a bot, a deactivated or unknown person as lead or role
    │   │   ├── UnknownFollowUp          a follow-up's button, when the follow-up is gone
    │   │   └── UnknownRole
    │   ├── users.errors.UnknownUser     Slack doesn't know that person
    │   ├── extensions.context.CommandError      a plugin's own refusal, shown as it wrote it
    │   ├── slack.metadata.StaleInteraction      a button or form from an older version of the bot
    │   ├── slack.channel.setup.AllNamesTaken    every channel name tried is taken
    │   ├── vault.service.VaultClosed    a secret asked for without ENCRYPTED_FIELD_KEY
    │   ├── vault.service.NoSuchSecret
    │   └── crypto.CannotDecrypt         no key in ENCRYPTED_FIELD_KEY opens a stored secret
    ├── db.errors.StorageError           the database could not answer now; nothing was done
    │   └── CommitUncertain              it went away during COMMIT: the change may be stored
    ├── StartupError                     the bot cannot start: one line for the operator, exit 1
    └── settings.ConfigError             a setting is wrong: one line for the operator, exit 2

UserError and StorageError become words in one place per boundary: `slack.transport.errors` for
Slack (inside a modal when a form was refused), `web.app` for the pages; the CLI prints the rest.
Anything else is a bug: logged with a reference id that the person also sees.
`tests/unit/test_errors.py` fails if a subclass is left out of this tree.
"""

from __future__ import annotations


class UserError(Exception):
    """An error whose message is safe and useful to show in Slack."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StartupError(Exception):
    """The bot cannot start; the message is one line an operator can act on."""
