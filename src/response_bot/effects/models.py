"""An effect: one thing Slack must show because a change was stored, kept until it has been done.

What kinds there are, and which a change needs, is the incident domain's to say
(`incidents.announcements`); this is the row that keeps one until it is done.

Rows are written in the same transaction as the change that needs them. The replica that stored
them holds them (a lease) and performs them at once; if it dies or the call fails, any replica
claims them after the lease and finishes the job. The effects of one incident form lanes that are
each performed in order (by id), so the channel exists before its headline links it, and a status
update is posted before the ✅ on the command that made it. What Slack shows is one lane; each other
system the bot calls (a pager, a status page) gets a lane of its own, so one of them being down or
rate-limited never holds back what Slack should show, nor another system.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from response_bot.db.base import Base, UTCDateTime, utcnow
from response_bot.incidents.announcements import SLACK_LANE


class EffectStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its turn, or for a retry at due_at
    SENDING = "sending"  # held by `locked_by` until `lease_until`
    DONE = "done"
    FAILED = "failed"  # gave up; `last_error` says why (the sweep may try again later)


class Effect(Base):
    __tablename__ = "effects"
    __table_args__ = (
        Index("ix_effects_due", "status", "due_at"),
        Index("ix_effects_lane", "incident_id", "lane", "status", "id"),
    )
    PENDING = EffectStatus.PENDING
    SENDING = EffectStatus.SENDING

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    lane: Mapped[str] = mapped_column(String(40), default=SLACK_LANE, server_default=SLACK_LANE)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # At most one row per key: one channel per incident, one post per plugin `say`, one ✅ per command.
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
    # The delivery (a command's message, a modal's view) whose change needs this effect.
    origin_key: Mapped[str | None] = mapped_column(String(160), nullable=True, index=True)
    status: Mapped[EffectStatus] = mapped_column(
        Enum(EffectStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=EffectStatus.PENDING,
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What doing it produced, for whoever asked: a posted message's channel and ts.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def uncertain(self) -> bool:
        """An earlier attempt may have reached Slack (a crash, or a timeout after sending)."""
        return self.attempts > 1 and not (self.last_error or "").startswith("not sent:")
