"""A notification due: the outbox row a dispatcher claims, sends, and finishes."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from response_bot.db.base import Base, UTCDateTime, utcnow


class Delivery(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    # lead | severity | close | status_update | report | plugin:<module.function>
    kind: Mapped[str] = mapped_column(String(200))
    occurrence: Mapped[int] = mapped_column(Integer, default=1)
    # One row per (incident, notification, occurrence): scheduling twice changes nothing.
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[Delivery] = mapped_column(
        Enum(Delivery, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=Delivery.PENDING,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    slack_channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    slack_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
