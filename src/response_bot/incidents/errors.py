"""What can go wrong with an incident, in words a responder understands."""

from __future__ import annotations

from response_bot.errors import UserError


def _shown(text: str) -> str:
    """What someone typed, quoted back short: a 40 KB argument must not become a 40 KB reply."""
    text = " ".join(text.split())
    return (text[:40] + "…" if len(text) > 40 else text) or "(nothing)"


class IncidentError(UserError):
    pass


class IncidentNotFound(IncidentError):
    def __init__(self, incident_id: int) -> None:
        super().__init__(f"Incident {incident_id} doesn't exist (it may have been removed).")
        self.incident_id = incident_id


class InvalidInput(IncidentError):
    """One message per field, so a form can show each next to its field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class InvalidSeverity(IncidentError):
    def __init__(self, text: str, accepted: str) -> None:
        super().__init__(f"'{_shown(text)}' isn't a severity. Use {accepted}.")


class InvalidStatus(IncidentError):
    def __init__(self, text: str, settable: list[str]) -> None:
        super().__init__(f"'{_shown(text)}' isn't a status. Use one of: {', '.join(settable)}.")


class IncidentClosed(IncidentError):
    def __init__(self, incident_id: int) -> None:
        super().__init__(f"Incident {incident_id} is closed; reopen it first.")
        self.incident_id = incident_id


class InvalidAssignee(IncidentError):
    def __init__(self, slack_id: str, reason: str) -> None:
        super().__init__(f"<@{slack_id}> {reason}.")
        self.slack_id = slack_id


class UnknownFollowUp(IncidentError):
    def __init__(self, followup_id: int) -> None:
        super().__init__(f"There is no follow-up {followup_id} any more.")


class UnknownRole(IncidentError):
    def __init__(self, role: str, roles: tuple[str, ...]) -> None:
        super().__init__(f"'{_shown(role)}' isn't a role here. Roles: {', '.join(roles)}.")
