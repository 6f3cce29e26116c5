"""A follow-up logged during or after an incident."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from response_bot.db.base import Base, UTCDateTime, utcnow
from response_bot.users.models import User


class FollowUp(Base):
    __tablename__ = "followups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("slack_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Who will do it: whoever wrote it, unless they named someone.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("slack_users.id"), nullable=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="raise")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="raise")
