"""What the notification dispatcher needs of whoever delivers notifications (Slack, here)."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from response_bot.notifications.service import Claimed


class Sender(Protocol):
    """Delivers a claimed notification; raises `outcomes.Retry` or `outcomes.GiveUp` when it can't."""

    async def send(self, claimed: Claimed, late_by: timedelta | None) -> tuple[str | None, str | None]:
        """Post it (noting it is `late_by`, if it is); returns where it went (channel, ts)."""
        ...

    async def find(self, claimed: Claimed) -> tuple[str, str] | None:
        """Where an earlier attempt posted it, if it did (so it is not posted twice)."""
        ...
