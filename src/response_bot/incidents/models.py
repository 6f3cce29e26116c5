"""Incidents, their roles, and proposed replacements of their summary or impact (the tables)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, SmallInteger, String, Text, false
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from response_bot.db.base import Base, UTCDateTime, utcnow
from response_bot.incidents.enums import Severity, Status
from response_bot.users.models import User


class SeverityType(TypeDecorator[Severity]):
    impl = SmallInteger
    cache_ok = True

    def process_bind_param(self, value: Severity | int | None, dialect: Dialect) -> int | None:
        return None if value is None else int(Severity(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Severity | None:
        return None if value is None else Severity(value)


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    impact: Mapped[str | None] = mapped_column(Text, nullable=True)
    severity: Mapped[Severity | None] = mapped_column(SeverityType, nullable=True)
    status: Mapped[Status] = mapped_column(
        Enum(Status, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=Status.INVESTIGATING,
    )
    reporter_id: Mapped[int] = mapped_column(ForeignKey("slack_users.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("slack_users.id"), nullable=True)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When it first got a lead (time to acknowledge); set once, kept if the lead changes or goes.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The business key of the submission that declared it: a retried delivery finds it again.
    declare_key: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    headline_channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    headline_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    # Run for practice: said plainly everywhere, left out of insights and lists unless asked for.
    drill: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    channel_id: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    channel_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # The war room: a meeting link (fixed, from a template, or a meeting made for this incident).
    call_url: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    # The status-page incident made for it, if someone posted one: its id there, link and status.
    public_incident_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    public_incident_url: Mapped[str | None] = mapped_column(String(512), nullable=True)
    public_status: Mapped[str | None] = mapped_column(String(32), nullable=True)

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id], lazy="raise")
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id], lazy="raise")
    roles: Mapped[list[IncidentRole]] = relationship(
        lazy="raise", order_by="IncidentRole.role", cascade="all, delete-orphan"
    )

    @property
    def holders(self) -> dict[str, User]:
        """Role name → who holds it (the lead included, under `lead`)."""
        held = {role.role: role.user for role in self.roles}
        if self.lead is not None:
            held["lead"] = self.lead
        return held

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def duration(self, now: datetime | None = None) -> timedelta:
        end = self.resolved_at or now or utcnow()
        return max(end - self.started_at, timedelta(0))


class IncidentRole(Base):
    """A named role (comms, scribe, …) held by one person; the lead lives on the incident itself."""

    __tablename__ = "incident_roles"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("slack_users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="raise")


class Proposal(Base):
    """A proposed summary or impact waiting for its proposer to confirm replacing the current one."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    proposed_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
