"""A proposed summary or impact, kept until its proposer says whether to replace the current one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from response_bot.db.base import utcnow
from response_bot.db.engine import Database
from response_bot.incidents.fields import validated_text
from response_bot.incidents.models import Proposal

KEEP_FOR = timedelta(days=1)


class Proposals:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def propose(self, incident_id: int, field: str, text: str, proposer: str) -> Proposal:
        value = validated_text(field, text) or ""
        now = self._clock()
        async with self._db.transaction() as session:
            # Unanswered proposals are forgotten after a day, so the table stays small.
            await session.execute(delete(Proposal).where(Proposal.created_at < now - KEEP_FOR))
            proposal = Proposal(
                incident_id=incident_id, field=field, text=value, proposed_by=proposer, created_at=now
            )
            session.add(proposal)
            await session.flush()
            return proposal

    async def take(self, proposal_id: int) -> Proposal | None:
        """Remove and return the proposal; None if it was already answered or forgotten."""
        async with self._db.transaction() as session:
            proposal = (
                await session.execute(select(Proposal).where(Proposal.id == proposal_id).with_for_update())
            ).scalar_one_or_none()
            if proposal is not None:
                await session.delete(proposal)
            return proposal
