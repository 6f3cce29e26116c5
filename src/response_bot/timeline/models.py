"""Timeline entries. Text is stored raw, exactly as Slack sent it; renderers escape it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from response_bot.db.base import Base, UTCDateTime, utcnow
from response_bot.users.models import User


class EntryKind(enum.StrEnum):
    DECLARED = "declared"
    TITLE = "title"
    SUMMARY = "summary"
    IMPACT = "impact"
    SEVERITY = "severity"
    STATUS = "status"
    LEAD = "lead"
    ROLE = "role"
    CHANNEL = "channel"
    RENAMED = "renamed"
    CLOSED = "closed"
    REOPENED = "reopened"
    UPDATE = "update"
    # Stored, and published by the JSON API, as "action": Monzo's Response's word for a follow-up.
    FOLLOWUP = "action"
    MESSAGE = "message"
    INTEGRATION = "integration"  # what a call to another system did: a page, a status-page update


class TimelineEntry(Base):
    __tablename__ = "timeline_entries"
    __table_args__ = (Index("ix_timeline_entries_incident_time", "incident_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[EntryKind] = mapped_column(
        Enum(EntryKind, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("slack_users.id"), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # A captured message's identity ("msg:<channel>:<ts>"): one message is one entry.
    source_key: Mapped[str | None] = mapped_column(String(96), unique=True, nullable=True)
    permalink: Mapped[str | None] = mapped_column(String(512), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def sources(self) -> list[str]:
        """How a captured message got here: pin, reaction, shortcut (a message can have several)."""
        return list((self.data or {}).get("sources", []))

    author: Mapped[User | None] = relationship(lazy="raise")
