"""One event's delivery to one webhook endpoint: its attempts, the last answer, what happens next."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from response_bot.db.base import Base, UTCDateTime, utcnow


class DeliveryState(enum.StrEnum):
    PENDING = "pending"  # not accepted yet; `next_attempt_at` says when it is tried again
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # not accepted within WEBHOOK_RETRY_FOR: given up
    GONE = "gone"  # the endpoint answered 410 Gone: nothing more is sent to that URL
    SKIPPED = "skipped"  # not sent: its endpoint was gone, or is no longer configured


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("message_id", "endpoint", name="uq_webhook_deliveries_message_endpoint"),
        Index("ix_webhook_deliveries_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The event's `webhook-id`: the same on every attempt and for every endpoint.
    message_id: Mapped[str] = mapped_column(String(40))
    endpoint: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(Text)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    state: Mapped[DeliveryState] = mapped_column(
        Enum(DeliveryState, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=DeliveryState.PENDING,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
