"""The stored profile of a Slack user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from response_bot.db.base import Base, UTCDateTime, utcnow


class User(Base):
    __tablename__ = "slack_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    real_name: Mapped[str] = mapped_column(String(255), default="")
    display_name: Mapped[str] = mapped_column(String(255), default="")
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    profile_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def label(self) -> str:
        """The name people recognise, falling back to the Slack ID."""
        return self.display_name or self.real_name or self.name or self.slack_id


@dataclass(frozen=True)
class UserRef:
    """A Slack user as a payload names them; profile fields are optional hints."""

    slack_id: str
    name: str | None = None
    real_name: str | None = None
    display_name: str | None = None
    is_bot: bool | None = None
    deleted: bool | None = None
