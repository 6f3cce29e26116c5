"""What a follow-up tracker (Jira, Linear) does for the bot: file a follow-up as a ticket, say
whether a ticket is closed yet, and answer one authenticated read for `response-bot check`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

SUMMARY_MAX = 250  # Jira's summary holds 255; Linear's title has no published limit


@dataclass(frozen=True)
class TicketRequest:
    """A follow-up to file. `tag` names it uniquely and lets a retry find a ticket an earlier try
    made; `doc_url`, `channel_url` are linked from the ticket's description."""

    followup_id: int
    incident_id: int
    incident_title: str
    text: str
    tag: str
    doc_url: str
    channel_url: str | None
    owner: str | None
    due_on: date | None

    @property
    def summary(self) -> str:
        summary = " ".join(self.text.split())
        return summary if len(summary) <= SUMMARY_MAX else summary[: SUMMARY_MAX - 1] + "…"


@dataclass(frozen=True)
class Ticket:
    id: str  # the tracker's own id (Jira's numeric id, Linear's UUID)
    key: str  # what people call it: OPS-311
    url: str


@dataclass(frozen=True)
class TicketState:
    closed: bool
    name: str  # the state as the tracker names it: Done, In Progress, Canceled


class Tracker(Protocol):
    name: str

    async def create(self, request: TicketRequest, *, maybe_sent: bool) -> Ticket:
        """File it (raises `TryLater` or `Refused`); `maybe_sent`: an earlier try may have made it."""
        ...

    async def state(self, ticket_id: str) -> TicketState | None:
        """The ticket's state now; None if it is gone (deleted, or no longer visible to the bot)."""
        ...

    async def check(self) -> str | None:
        """None if the credentials and settings work, else what is wrong in one line."""
        ...
