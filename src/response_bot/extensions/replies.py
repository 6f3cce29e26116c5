"""Answering the person who acted, privately: where to, and what can do it (the Slack adapter)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Recipient:
    """Where a reply to one person about one interaction can go."""

    user_id: str | None
    channel_id: str | None = None
    response_url: str | None = None
    thread_ts: str | None = None


class Replier(Protocol):
    """Sends a private note to one person, by the best route the interaction offers."""

    async def tell(
        self, recipient: Recipient, text: str, *, blocks: list[dict[str, Any]] | None = None
    ) -> None: ...
