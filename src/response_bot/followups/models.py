"""A follow-up logged during or after an incident."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from response_bot.db.base import Base, UTCDateTime, utcnow
from response_bot.users.models import User


class FollowUp(Base):
    __tablename__ = "followups"
    __table_args__ = (Index("ix_followups_due_open", "due_on", postgresql_where=text("NOT done")),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("slack_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Who will do it: whoever wrote it, unless they named someone.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("slack_users.id"), nullable=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The ticket it became in the follow-up tracker (Jira, Linear): the tracker's own id, the key
    # people know it by (OPS-311), its link, and when the bot saw it closed there.
    ticket_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ticket_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ticket_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    ticket_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Reminders to the owner once it is overdue: how many so far, and the day of the last.
    nudges_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    nudged_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="raise")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="raise")
