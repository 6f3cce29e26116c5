"""The delivery log: written by each attempt to deliver an event, read by the web page and the API."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from response_bot.db.base import utcnow
from response_bot.db.engine import Database
from response_bot.incidents.models import Incident
from response_bot.webhooks.models import DeliveryState, WebhookDelivery


@dataclass(frozen=True)
class Attempt:
    """An event about to be sent to an endpoint (again)."""

    message_id: str
    endpoint: str
    url: str
    incident_id: int
    event_type: str
    created_at: datetime


class DeliveryLog:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def attempt(self, attempt: Attempt) -> WebhookDelivery:
        """Count one more attempt (the row is made by the first)."""
        now = self._clock()
        for _ in range(2):
            try:
                async with self._db.transaction() as session:
                    row = await session.scalar(
                        select(WebhookDelivery)
                        .where(
                            WebhookDelivery.message_id == attempt.message_id,
                            WebhookDelivery.endpoint == attempt.endpoint,
                        )
                        .with_for_update()
                    )
                    if row is None:
                        row = WebhookDelivery(
                            message_id=attempt.message_id,
                            endpoint=attempt.endpoint,
                            url=attempt.url,
                            incident_id=attempt.incident_id,
                            event_type=attempt.event_type,
                            created_at=attempt.created_at,
                            attempts=0,
                        )
                        session.add(row)
                    row.attempts += 1
                    row.url = attempt.url
                    row.last_attempt_at = now
                    row.state = DeliveryState.PENDING
                    await session.flush()
                    return row
            except IntegrityError:
                continue  # another replica made the row a moment ago: count on it
        raise RuntimeError("could not record the webhook attempt")

    async def settle(
        self,
        row_id: int,
        state: DeliveryState,
        *,
        status: int | None = None,
        error: str | None = None,
        next_attempt_at: datetime | None = None,
    ) -> None:
        async with self._db.transaction() as session:
            await session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == row_id)
                .values(
                    state=state,
                    last_status=status,
                    last_error=error[:500] if error else None,
                    next_attempt_at=next_attempt_at,
                    delivered_at=self._clock() if state is DeliveryState.DELIVERED else None,
                )
            )

    async def skipped(self, attempt: Attempt, why: str) -> None:
        row = await self.attempt(attempt)
        await self.settle(row.id, DeliveryState.SKIPPED, error=why)

    async def is_gone(self, endpoint: str, url: str) -> bool:
        """Whether this endpoint's URL answered 410 Gone (then nothing more is sent to it)."""
        async with self._db.read() as session:
            found = await session.scalar(
                select(WebhookDelivery.id)
                .where(
                    WebhookDelivery.endpoint == endpoint,
                    WebhookDelivery.url == url,
                    WebhookDelivery.state == DeliveryState.GONE,
                )
                .limit(1)
            )
        return found is not None

    async def recent(
        self, visible_private: Collection[int], *, limit: int = 100, incident_id: int | None = None
    ) -> list[WebhookDelivery]:
        """The latest deliveries, newest first, leaving out private incidents not in `visible_private`."""
        statement = (
            select(WebhookDelivery)
            .join(Incident, Incident.id == WebhookDelivery.incident_id)
            .where(or_(Incident.private.is_(False), Incident.id.in_(list(visible_private))))
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
            .limit(limit)
        )
        if incident_id is not None:
            statement = statement.where(WebhookDelivery.incident_id == incident_id)
        async with self._db.read() as session:
            return list((await session.scalars(statement)).all())
