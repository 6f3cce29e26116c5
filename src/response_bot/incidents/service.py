"""What can be done to an incident. Each method is one transaction; nothing here knows Slack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from response_bot.db.base import utcnow
from response_bot.db.engine import Database
from response_bot.incidents import repository
from response_bot.incidents.errors import IncidentClosed, InvalidInput
from response_bot.incidents.models import Incident, Severity, Status
from response_bot.users import repository as users
from response_bot.users.models import UserRef

TITLE_MAX = 150
TEXT_MAX = 3000


@dataclass(frozen=True)
class IncidentFields:
    """What a person fills in when declaring or editing an incident."""

    title: str
    summary: str | None = None
    impact: str | None = None
    lead: UserRef | None = None
    severity: Severity | None = None

    def validated(self) -> IncidentFields:
        """Trimmed copy, or `InvalidInput` naming every field that is wrong."""
        title = " ".join(self.title.split())
        summary = _optional_text(self.summary)
        impact = _optional_text(self.impact)
        errors: dict[str, str] = {}
        if not title:
            errors["title"] = "Give the incident a title: what's happening, in a sentence."
        elif len(title) > TITLE_MAX:
            errors["title"] = f"Keep the title to {TITLE_MAX} characters (this one has {len(title)})."
        for name, value in (("summary", summary), ("impact", impact)):
            if value is not None and len(value) > TEXT_MAX:
                errors[name] = f"Keep the {name} to {TEXT_MAX:,} characters (this one has {len(value):,})."
        if errors:
            raise InvalidInput(errors)
        return replace(self, title=title, summary=summary, impact=impact)


def _optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


@dataclass(frozen=True)
class Declaration:
    incident: Incident
    created: bool


@dataclass(frozen=True)
class Change:
    """The incident after a change, and which fields actually changed (empty: nothing did)."""

    incident: Incident
    changed: frozenset[str] = field(default_factory=frozenset)

    @property
    def any(self) -> bool:
        return bool(self.changed)


class IncidentService:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def declare(
        self, fields: IncidentFields, reporter: UserRef, *, declare_key: str | None = None
    ) -> Declaration:
        """Store a new incident; the same `declare_key` twice returns the first one."""
        fields = fields.validated()
        async with self._db.transaction() as session:
            if declare_key is not None:
                existing = await repository.by_declare_key(session, declare_key)
                if existing is not None:
                    return Declaration(existing, created=False)
            reporter_row = await users.upsert(session, reporter)
            lead_row = await users.upsert(session, fields.lead) if fields.lead else None
            now = self._clock()
            incident = Incident(
                title=fields.title,
                summary=fields.summary,
                impact=fields.impact,
                severity=fields.severity,
                status=Status.INVESTIGATING,
                reporter_id=reporter_row.id,
                lead_id=lead_row.id if lead_row else None,
                declared_at=now,
                started_at=now,
                declare_key=declare_key,
            )
            try:
                async with session.begin_nested():
                    stored = await repository.add(session, incident)
            except IntegrityError:
                # Another delivery of the same submission won the race.
                if declare_key is None:
                    raise
                existing = await repository.by_declare_key(session, declare_key)
                if existing is None:
                    raise
                return Declaration(existing, created=False)
            return Declaration(stored, created=True)

    async def get(self, incident_id: int) -> Incident:
        async with self._db.transaction() as session:
            return await repository.get(session, incident_id)

    async def edit(self, incident_id: int, fields: IncidentFields) -> Change:
        """Overwrite the editable fields; an empty lead or severity clears it."""
        fields = fields.validated()
        async with self._db.transaction() as session:
            incident = await repository.get(session, incident_id, for_update=True)
            if not incident.is_open:
                raise IncidentClosed(incident_id)
            lead_row = await users.upsert(session, fields.lead) if fields.lead else None
            wanted = {
                "title": fields.title,
                "summary": fields.summary,
                "impact": fields.impact,
                "severity": fields.severity,
                "lead_id": lead_row.id if lead_row else None,
            }
            changed = frozenset(
                name.removesuffix("_id") for name, value in wanted.items() if getattr(incident, name) != value
            )
            if not changed:
                return Change(incident)
            for name, value in wanted.items():
                setattr(incident, name, value)
            incident.updated_at = self._clock()
            await session.flush()
            return Change(await repository.get(session, incident_id), changed)

    async def close(self, incident_id: int) -> Change:
        """Resolve the incident now; closing a closed incident changes nothing."""
        async with self._db.transaction() as session:
            incident = await repository.get(session, incident_id, for_update=True)
            if not incident.is_open:
                return Change(incident)
            now = self._clock()
            incident.status = Status.RESOLVED
            incident.resolved_at = now
            incident.updated_at = now
            await session.flush()
            return Change(await repository.get(session, incident_id), frozenset({"status"}))

    async def record_headline(self, incident_id: int, channel_id: str, ts: str) -> None:
        async with self._db.transaction() as session:
            incident = await repository.get(session, incident_id, for_update=True)
            incident.headline_channel_id = channel_id
            incident.headline_ts = ts
