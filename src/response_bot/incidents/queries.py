"""Reading incidents for the docs and the API: search with filters, and an incident's whole record."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import Select, case, false, func, or_, select
from sqlalchemy.orm import selectinload

from response_bot.db.engine import Database
from response_bot.followups.models import FollowUp
from response_bot.incidents import repository
from response_bot.incidents.enums import CLOSED, Severity, Status
from response_bot.incidents.models import Incident
from response_bot.timeline import repository as timeline
from response_bot.timeline.models import EntryKind, TimelineEntry
from response_bot.users.models import User


@dataclass(frozen=True)
class Filters:
    status: Status | None = None
    severity: Severity | None = None
    text: str = ""
    page: int = 1
    per_page: int = 50
    # Drills: left out ("exclude"), shown with the rest ("include") or on their own ("only").
    drills: str = "exclude"


@dataclass(frozen=True)
class Page:
    items: list[Incident]
    total: int
    filters: Filters

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.filters.per_page))


@dataclass(frozen=True)
class IncidentRecord:
    """Everything the doc page and the report show about one incident."""

    incident: Incident
    entries: list[TimelineEntry]
    followups: list[FollowUp]
    participants: list[User] = field(default_factory=list)

    @property
    def updates(self) -> list[TimelineEntry]:
        return [e for e in self.entries if e.kind is EntryKind.UPDATE]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class IncidentQueries:
    def __init__(self, db: Database) -> None:
        self._db = db

    def _filtered(
        self, statement: Select[Incident], filters: Filters, private_ids: Collection[int]
    ) -> Select[Incident]:
        visible = Incident.id.in_(list(private_ids)) if private_ids else false()
        statement = statement.where(or_(Incident.private.is_(False), visible))
        if filters.status is not None:
            statement = statement.where(Incident.status == filters.status)
        if filters.severity is not None:
            statement = statement.where(Incident.severity == filters.severity)
        if filters.text.strip():
            statement = statement.where(Incident.title.ilike(_like(filters.text.strip()), escape="\\"))
        if filters.drills == "exclude":
            statement = statement.where(Incident.drill.is_(False))
        elif filters.drills == "only":
            statement = statement.where(Incident.drill.is_(True))
        return statement

    async def search(self, filters: Filters, private_ids: Collection[int] = ()) -> Page:
        """Open incidents first, newest first; private ones only when their IDs are given."""
        open_first = case((Incident.status.in_(CLOSED), 1), else_=0)
        statement = self._filtered(repository.with_people(), filters, private_ids).order_by(
            open_first, Incident.declared_at.desc(), Incident.id.desc()
        )
        statement = statement.limit(filters.per_page).offset((filters.page - 1) * filters.per_page)
        counting = self._filtered(select(func.count()).select_from(Incident), filters, private_ids)  # type: ignore[arg-type]
        async with self._db.transaction() as session:
            items = list((await session.execute(statement)).scalars())
            total: int = (await session.execute(counting)).scalar_one()  # type: ignore[assignment]
        return Page(items, total, filters)

    async def private_incidents(self) -> list[Incident]:
        async with self._db.transaction() as session:
            statement = repository.with_people().where(Incident.private.is_(True))
            return list((await session.execute(statement)).scalars())

    async def record(self, incident_id: int) -> IncidentRecord:
        async with self._db.transaction() as session:
            incident = await repository.get(session, incident_id)
            entries = await timeline.for_incident(session, incident_id)
            followups = list(
                (
                    await session.execute(
                        select(FollowUp)
                        .options(selectinload(FollowUp.created_by), selectinload(FollowUp.owner))
                        .where(FollowUp.incident_id == incident_id)
                        .order_by(FollowUp.created_at, FollowUp.id)
                    )
                ).scalars()
            )
        people: dict[str, User] = {incident.reporter.slack_id: incident.reporter}
        people.update({u.slack_id: u for u in incident.holders.values()})
        people.update({e.author.slack_id: e.author for e in entries if e.author is not None})
        return IncidentRecord(
            incident, entries, followups, sorted(people.values(), key=lambda u: u.label.lower())
        )
