"""What can be done to an incident. Each method is one transaction that also writes the timeline.

Methods that a Slack delivery triggers take a `key`: the same key twice changes nothing the second
time (`Change.duplicate`), so retried or doubly delivered events have one effect.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from response_bot.db import idempotency
from response_bot.db.base import utcnow
from response_bot.db.engine import Database
from response_bot.followups.models import FollowUp
from response_bot.incidents import history, repository
from response_bot.incidents.errors import IncidentClosed, InvalidAssignee, InvalidInput, UnknownRole
from response_bot.incidents.fields import IncidentFields, validated_text
from response_bot.incidents.models import Incident, IncidentRole, Severity, Status
from response_bot.timeline import repository as timeline
from response_bot.timeline.models import EntryKind
from response_bot.users import repository as users
from response_bot.users.models import User, UserRef

LEAD = "lead"


@dataclass(frozen=True)
class Declaration:
    incident: Incident
    created: bool


@dataclass(frozen=True)
class Change:
    """The incident after a change and which fields changed (empty: nothing did)."""

    incident: Incident
    changed: frozenset[str] = field(default_factory=frozenset)
    duplicate: bool = False

    @property
    def any(self) -> bool:
        return bool(self.changed)


@dataclass(frozen=True)
class Entry:
    """One changed field and the timeline entry that records it."""

    field: str
    kind: EntryKind
    text: str
    data: dict[str, Any] | None = None


Apply = Callable[[AsyncSession, Incident, datetime], Awaitable[list[Entry]]]


class Lifecycle(Protocol):
    """Told, inside the same transaction, when an incident opens (declared, reopened) or closes."""

    async def opened(
        self, session: AsyncSession, incident: Incident, now: datetime, *, fresh: bool = False
    ) -> None: ...

    async def closed(self, session: AsyncSession, incident: Incident, now: datetime) -> None: ...


class _Nothing:
    async def opened(
        self, session: AsyncSession, incident: Incident, now: datetime, *, fresh: bool = False
    ) -> None:
        return None

    async def closed(self, session: AsyncSession, incident: Incident, now: datetime) -> None:
        return None


class IncidentService:
    def __init__(
        self,
        db: Database,
        *,
        roles: Sequence[str] = ("comms", "scribe"),
        clock: Callable[[], datetime] = utcnow,
        lifecycle: Lifecycle | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self.lifecycle: Lifecycle = lifecycle or _Nothing()
        self.roles = (LEAD, *[r for r in roles if r != LEAD])

    # --- reading ------------------------------------------------------------------------------

    async def get(self, incident_id: int) -> Incident:
        async with self._db.transaction() as session:
            return await repository.get(session, incident_id)

    async def by_channel(self, channel_id: str) -> Incident | None:
        async with self._db.transaction() as session:
            return await repository.by_channel(session, channel_id)

    async def open_incidents(self, limit: int = 50) -> list[Incident]:
        async with self._db.transaction() as session:
            return await repository.open_incidents(session, limit)

    # --- declaring ------------------------------------------------------------------------------

    async def declare(
        self,
        fields: IncidentFields,
        reporter: UserRef,
        *,
        declare_key: str | None = None,
        claim_channel: bool = False,
    ) -> Declaration:
        """Store a new incident; the same `declare_key` twice returns the first one.

        The common case is one short transaction with no reads: a repeat delivery of the same
        submission trips the unique `declare_key` and is answered with the incident it made.
        `claim_channel` stores the incident already holding the claim to create its channel (see
        `IncidentChannels.claim`), saving the announcer a transaction.
        """
        fields = fields.validated()
        try:
            async with self._db.transaction() as session:
                reporter_row = await users.upsert(session, reporter)
                lead_row = await self._assignee(session, fields.lead) if fields.lead else None
                now = self._clock()
                incident = Incident(
                    title=fields.title,
                    summary=fields.summary,
                    impact=fields.impact,
                    severity=fields.severity,
                    status=Status.INVESTIGATING,
                    reporter=reporter_row,
                    lead=lead_row,
                    roles=[],
                    declared_at=now,
                    started_at=now,
                    declare_key=declare_key,
                    private=fields.private,
                    channel_claimed_at=now if claim_channel else None,
                )
                session.add(incident)
                await session.flush()
                timeline.add(
                    session,
                    incident.id,
                    EntryKind.DECLARED,
                    f"Incident declared: {fields.title}",
                    occurred_at=now,
                    author_id=reporter_row.id,
                )
                await self.lifecycle.opened(session, incident, now, fresh=True)
                await session.flush()
                return Declaration(incident, created=True)
        except IntegrityError:
            existing = None
            if declare_key is not None:
                async with self._db.transaction() as session:
                    existing = await repository.by_declare_key(session, declare_key)
            if existing is None:
                raise
            return Declaration(existing, created=False)

    # --- changing -------------------------------------------------------------------------------

    async def _change(
        self,
        incident_id: int,
        actor: UserRef | None,
        key: str | None,
        apply: Apply,
        *,
        allow_closed: bool = False,
    ) -> Change:
        async with self._db.transaction() as session:
            if key is not None and not await idempotency.claim(session, key):
                return Change(await repository.get(session, incident_id), duplicate=True)
            incident = await repository.get(session, incident_id, for_update=True)
            if not allow_closed and not incident.is_open:
                raise IncidentClosed(incident_id)
            actor_row = await users.upsert(session, actor) if actor else None
            now = self._clock()
            entries = await apply(session, incident, now)
            if not entries:
                return Change(incident)
            for entry in entries:
                timeline.add(
                    session,
                    incident.id,
                    entry.kind,
                    entry.text,
                    occurred_at=now,
                    author_id=actor_row.id if actor_row else None,
                    data=entry.data,
                )
            incident.updated_at = now
            await session.flush()
            return Change(await repository.get(session, incident_id), frozenset(e.field for e in entries))

    async def edit(self, incident_id: int, fields: IncidentFields, *, actor: UserRef | None = None) -> Change:
        """Overwrite the editable fields (the edit modal); an empty lead or severity clears it."""
        fields = fields.validated()

        async def apply(session: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            entries: list[Entry] = []
            if incident.title != fields.title:
                entries.append(
                    Entry("title", EntryKind.TITLE, history.title_changed(incident.title, fields.title))
                )
                incident.title = fields.title
            for name in ("summary", "impact"):
                old, new = getattr(incident, name), getattr(fields, name)
                if old != new:
                    entries.append(Entry(name, EntryKind(name), history.text_changed(name, old, new)))
                    setattr(incident, name, new)
            entries += self._severity(incident, fields.severity)
            entries += await self._lead(session, incident, fields.lead)
            return entries

        return await self._change(incident_id, actor, None, apply)

    async def set_severity(
        self, incident_id: int, severity: Severity, *, actor: UserRef, key: str | None = None
    ) -> Change:
        async def apply(_: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            return self._severity(incident, severity)

        return await self._change(incident_id, actor, key, apply)

    def _severity(self, incident: Incident, severity: Severity | None) -> list[Entry]:
        if incident.severity == severity:
            return []
        entry = Entry("severity", EntryKind.SEVERITY, history.severity_changed(incident.severity, severity))
        incident.severity = severity
        return [entry]

    async def set_status(
        self, incident_id: int, status: Status, *, actor: UserRef, key: str | None = None
    ) -> Change:
        """Move through the lifecycle; `resolved` closes the incident."""
        if status is Status.RESOLVED:
            return await self.close(incident_id, actor=actor, key=key)

        async def apply(_: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            if incident.status is status:
                return []
            entry = Entry("status", EntryKind.STATUS, history.status_changed(incident.status, status))
            incident.status = status
            return [entry]

        return await self._change(incident_id, actor, key, apply)

    async def assign(
        self, incident_id: int, role: str, person: UserRef, *, actor: UserRef, key: str | None = None
    ) -> Change:
        """Give a role (the lead, or one of the configured roles) to someone."""
        role = role.strip().lower()
        if role not in self.roles:
            raise UnknownRole(role, self.roles)

        async def apply(session: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            if role == LEAD:
                return await self._lead(session, incident, person)
            user = await self._assignee(session, person)
            current = next((r for r in incident.roles if r.role == role), None)
            if current is not None and current.user_id == user.id:
                return []
            old = current.user.slack_id if current else None
            if current is None:
                incident.roles.append(IncidentRole(role=role, user_id=user.id, assigned_at=now, user=user))
            else:
                current.user_id, current.user, current.assigned_at = user.id, user, now
            text = history.person_changed(role, old, user.slack_id)
            return [Entry(f"role:{role}", EntryKind.ROLE, text, {"role": role})]

        return await self._change(incident_id, actor, key, apply)

    async def _lead(self, session: AsyncSession, incident: Incident, person: UserRef | None) -> list[Entry]:
        user = await self._assignee(session, person) if person else None
        if (incident.lead_id or None) == (user.id if user else None):
            return []
        old = incident.lead.slack_id if incident.lead else None
        incident.lead_id, incident.lead = (user.id, user) if user else (None, None)
        return [
            Entry("lead", EntryKind.LEAD, history.person_changed(LEAD, old, user.slack_id if user else None))
        ]

    async def _assignee(self, session: AsyncSession, person: UserRef) -> User:
        user = await users.upsert(session, person)
        if user.is_bot:
            raise InvalidAssignee(user.slack_id, "is a bot; roles are for people")
        if user.deleted:
            raise InvalidAssignee(user.slack_id, "has been deactivated")
        return user

    async def set_text(
        self, incident_id: int, name: str, text: str, *, actor: UserRef, key: str | None = None
    ) -> Change:
        """Set the summary or the impact."""
        value = validated_text(name, text)

        async def apply(_: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            old = getattr(incident, name)
            if old == value:
                return []
            setattr(incident, name, value)
            return [Entry(name, EntryKind(name), history.text_changed(name, old, value))]

        return await self._change(incident_id, actor, key, apply, allow_closed=True)

    async def close(
        self, incident_id: int, *, actor: UserRef | None = None, key: str | None = None
    ) -> Change:
        """Resolve the incident now; closing a closed incident changes nothing."""

        async def apply(session: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            if not incident.is_open:
                return []
            incident.status, incident.resolved_at = Status.RESOLVED, now
            await self.lifecycle.closed(session, incident, now)
            return [Entry("closed", EntryKind.CLOSED, "Incident closed")]

        return await self._change(incident_id, actor, key, apply, allow_closed=True)

    async def reopen(self, incident_id: int, *, actor: UserRef, key: str | None = None) -> Change:
        async def apply(session: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            if incident.is_open:
                return []
            incident.status, incident.resolved_at = Status.INVESTIGATING, None
            await self.lifecycle.opened(session, incident, now)
            return [Entry("reopened", EntryKind.REOPENED, "Incident reopened")]

        return await self._change(incident_id, actor, key, apply, allow_closed=True)

    async def post_update(
        self, incident_id: int, text: str, *, actor: UserRef, key: str | None = None
    ) -> Change:
        """A status update: kept on the timeline as written."""
        value = validated_text("update", text)
        if value is None:
            raise InvalidInput({"update": "A status update needs some text."})

        async def apply(_: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            return [Entry("update", EntryKind.UPDATE, value)]

        return await self._change(incident_id, actor, key, apply, allow_closed=True)

    async def add_followup(
        self, incident_id: int, text: str, *, actor: UserRef, key: str | None = None
    ) -> Change:
        value = validated_text("action", text)
        if value is None:
            raise InvalidInput({"action": "A follow-up action needs some text."})

        async def apply(session: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            author = await users.upsert(session, actor)
            session.add(
                FollowUp(incident_id=incident.id, text=value, created_by_id=author.id, created_at=now)
            )
            return [Entry("action", EntryKind.ACTION, f"Follow-up action: {value}")]

        return await self._change(incident_id, actor, key, apply, allow_closed=True)

    async def record_headline(self, incident_id: int, channel_id: str, ts: str) -> None:
        async with self._db.transaction() as session:
            await session.execute(
                update(Incident)
                .where(Incident.id == incident_id)
                .values(headline_channel_id=channel_id, headline_ts=ts)
            )
