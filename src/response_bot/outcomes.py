"""How an attempt at an outbox row (an effect, a notification) can fail: try again later, or never.

Adapters that talk to the outside world (Slack, and the vendors to come) raise these; the outboxes
decide what happens next (a retry with backoff or after `Retry-After`, or giving up with a reason).
"""

from __future__ import annotations


class Retry(Exception):
    """Not done now, maybe later: Slack rate-limited it, answered 5xx, or could not be reached.

    `retry_after`: Slack said when. `sent_maybe`: the request may have reached Slack (a timeout),
    so the next attempt looks for it before repeating it.
    """

    def __init__(self, reason: str, *, retry_after: float | None = None, sent_maybe: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason if sent_maybe or reason.startswith("not sent:") else f"not sent: {reason}"
        self.retry_after = retry_after
        self.sent_maybe = sent_maybe


class AgainIn(Exception):
    """Done for now, and to be done again `after` seconds from now (following another system's
    state while an incident is open): not a failure, so it never uses up attempts."""

    def __init__(self, after: float) -> None:
        super().__init__(f"again in {after:g}s")
        self.after = after


class GiveUp(Exception):
    """Slack refused it for good (a missing scope, an archived channel): trying again won't help."""
