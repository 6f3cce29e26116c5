"""What can be done to an incident. Each method is one transaction that also writes the timeline and
queues the effects Slack must show (`announcements`), so a stored change is never left unshown.

Methods that a Slack delivery triggers take a `key`: the same key twice changes nothing the second
time (`Change.duplicate`), so retried or doubly delivered events have one effect. If the database
goes away during the commit itself, the key tells whether the change was stored after all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from response_bot.db import idempotency
from response_bot.db.base import utcnow
from response_bot.db.engine import Database
from response_bot.db.errors import CommitUncertain, StorageError
from response_bot.followups.models import FollowUp
from response_bot.incidents import announcements, history, repository
from response_bot.incidents.announcements import Confirmation, EffectKind, EffectQueue, Queued, Spec
from response_bot.incidents.enums import Severity, Status
from response_bot.incidents.errors import IncidentClosed, InvalidAssignee, UnknownFollowUp, UnknownRole
from response_bot.incidents.fields import IncidentFields, required_text, validated_text
from response_bot.incidents.models import Incident, IncidentRole, Proposal
from response_bot.timeline import repository as timeline
from response_bot.timeline.models import EntryKind, TimelineEntry
from response_bot.users import repository as users
from response_bot.users.models import User, UserRef

LEAD = "lead"


@dataclass(frozen=True)
class Declaration:
    incident: Incident
    created: bool
    # Held by this replica, to perform now (empty for a repeat, whose effects are already queued).
    effects: tuple[Queued, ...] = ()


@dataclass(frozen=True)
class Change:
    """The incident after a change, which fields changed (empty: nothing did), and the effects
    queued to show it (those this replica holds, to perform now)."""

    incident: Incident
    changed: frozenset[str] = field(default_factory=frozenset)
    duplicate: bool = False
    effects: tuple[Queued, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.changed)

    @property
    def confirmed(self) -> bool:
        """Whether the person's ✅ (or whatever confirms it) is among the effects."""
        return any(e.kind == EffectKind.REACTION for e in self.effects)


@dataclass(frozen=True)
class Shown:
    """How a change is to be shown besides the headline and topic (see `announcements.changed`)."""

    confirmation: Confirmation | None = None
    update_text: str | None = None
    announce_field: str | None = None


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


# The kinds of an incident's calls in one lane so far (see `Followers`).
CallsMade = Callable[[str], Awaitable[list[str]]]


class Followers(Protocol):
    """Asked, inside the same transaction, which calls to other systems (a pager, a status page) a
    change needs; they are queued with it. `changed` includes `declared` for a new incident;
    `before` holds what `severity` and `status` were."""

    async def calls(
        self,
        incident: Incident,
        changed: frozenset[str],
        before: Mapping[str, Any],
        calls_made: CallsMade,
        actor: str | None = None,
    ) -> list[Spec]: ...

    @property
    def wants_entries(self) -> bool:
        """Whether anything wants to hear of new timeline entries (`entry_calls`)."""
        ...

    async def entry_calls(
        self,
        incident: Incident,
        entries: Sequence[TimelineEntry],
        followup: Callable[[int], Awaitable[FollowUp | None]],
    ) -> list[Spec]:
        """The calls the change's new timeline entries need (each with its `author` loaded);
        `followup` reads a follow-up in the same transaction."""
        ...


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
        effects: EffectQueue | None = None,
        followers: Followers | None = None,
        call_link: Callable[[Incident], str | None] | None = None,
        auto_create_channel: bool = True,
    ) -> None:
        self._db = db
        self._clock = clock
        self.lifecycle: Lifecycle = lifecycle or _Nothing()
        self.effects = effects
        self.followers = followers
        # A call link known at once (a fixed one, or one from a template), set when declaring.
        self.call_link = call_link
        self.auto_create_channel = auto_create_channel
        self.roles = (LEAD, *[r for r in roles if r != LEAD])

    async def _queue(
        self,
        session: AsyncSession,
        incident_id: int,
        specs: list[Spec],
        *,
        origin_key: str | None = None,
        fresh: bool = False,
        snapshot: Incident | None = None,
    ) -> tuple[Queued, ...]:
        if self.effects is None:
            return ()
        queued = await self.effects.queue(
            session, incident_id, specs, origin_key=origin_key, fresh=fresh, snapshot=snapshot
        )
        return tuple(queued)

    async def _followers_calls(
        self,
        session: AsyncSession,
        incident: Incident,
        changed: frozenset[str],
        before: Mapping[str, Any],
        actor: str | None = None,
    ) -> list[Spec]:
        if self.followers is None or self.effects is None:
            return []
        effects = self.effects

        async def calls_made(lane: str) -> list[str]:
            return await effects.kinds_in_lane(session, incident.id, lane)

        return await self.followers.calls(incident, changed, before, calls_made, actor)

    async def _entry_calls(
        self, session: AsyncSession, incident: Incident, entries: Sequence[TimelineEntry]
    ) -> list[Spec]:
        if self.followers is None or self.effects is None or not self.followers.wants_entries:
            return []
        for entry in entries:
            await session.refresh(entry, ["author"])

        async def followup(followup_id: int) -> FollowUp | None:
            found: FollowUp | None = await session.scalar(
                select(FollowUp)
                .options(selectinload(FollowUp.owner), selectinload(FollowUp.created_by))
                .where(FollowUp.id == followup_id)
            )
            return found

        return await self.followers.entry_calls(incident, entries, followup)

    async def entry_added(self, session: AsyncSession, entry: TimelineEntry) -> None:
        """An entry added outside a change made here (a captured message, a channel made, what a
        call did): the calls it needs are queued in its transaction, in the incident's order."""
        if self.followers is None or self.effects is None or not self.followers.wants_entries:
            return
        incident = await repository.get(session, entry.incident_id, for_update=True)
        specs = await self._entry_calls(session, incident, [entry])
        await self._queue(session, entry.incident_id, specs, snapshot=incident)

    # --- reading ------------------------------------------------------------------------------

    async def get(self, incident_id: int) -> Incident:
        async with self._db.read() as session:
            return await repository.get(session, incident_id)

    async def by_channel(self, channel_id: str) -> Incident | None:
        async with self._db.read() as session:
            return await repository.by_channel(session, channel_id)

    async def open_incidents(self, limit: int = 50) -> list[Incident]:
        async with self._db.read() as session:
            return await repository.open_incidents(session, limit)

    async def last_updates(self, incident_ids: Sequence[int]) -> dict[int, datetime]:
        """When each of these incidents last had a status update (those without one are absent)."""
        if not incident_ids:
            return {}
        async with self._db.read() as session:
            rows = await session.execute(
                select(TimelineEntry.incident_id, func.max(TimelineEntry.occurred_at))
                .where(
                    TimelineEntry.incident_id.in_(list(incident_ids)), TimelineEntry.kind == EntryKind.UPDATE
                )
                .group_by(TimelineEntry.incident_id)
            )
            return {incident_id: _aware(when) for incident_id, when in rows.all() if when is not None}

    # --- declaring ------------------------------------------------------------------------------

    def makes_channel(self, fields: IncidentFields) -> bool:
        """Whether declaring this gets its channel straight away (private incidents always do)."""
        return fields.private or self.auto_create_channel

    async def declare(
        self, fields: IncidentFields, reporter: UserRef, *, declare_key: str | None = None
    ) -> Declaration:
        """Store a new incident and queue its announcement; the same `declare_key` twice returns the first.

        The common case is one short transaction with no reads: a repeat delivery of the same
        submission trips the unique `declare_key` and is answered with the incident it made.
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
                    acknowledged_at=now if lead_row is not None else None,
                    declare_key=declare_key,
                    private=fields.private,
                    drill=fields.drill,
                )
                session.add(incident)
                await session.flush()
                if self.call_link is not None:
                    incident.call_url = self.call_link(incident)
                declared = timeline.add(
                    session,
                    incident.id,
                    EntryKind.DECLARED,
                    f"Incident declared: {fields.title}",
                    occurred_at=now,
                    author_id=reporter_row.id,
                )
                await self.lifecycle.opened(session, incident, now, fresh=True)
                specs = announcements.declared(incident, with_channel=self.makes_channel(fields))
                specs += await self._followers_calls(
                    session, incident, frozenset({"declared"}), {}, reporter.slack_id
                )
                if self.followers is not None and self.followers.wants_entries:
                    await session.flush()
                    specs += await self._entry_calls(session, incident, [declared])
                effects = await self._queue(
                    session, incident.id, specs, origin_key=declare_key, fresh=True, snapshot=incident
                )
                return Declaration(incident, created=True, effects=effects)
        except IntegrityError:
            existing = await self._declared_with(declare_key)
            if existing is None:
                raise
            return Declaration(existing, created=False)
        except CommitUncertain:
            existing = await self._declared_with(declare_key) if declare_key else None
            if existing is None:
                raise StorageError() from None  # looked, and it wasn't stored
            return Declaration(existing, created=False)

    async def set_call_url(self, incident_id: int, url: str) -> Change:
        """The incident's call, made after it was declared (a Zoom meeting): kept, and shown on the
        headline and in the channel. A call link it already has is kept (once per incident)."""
        async with self._db.transaction() as session:
            incident = await repository.get(session, incident_id, for_update=True)
            if incident.call_url:
                return Change(incident)
            incident.call_url = url
            incident.updated_at = self._clock()
            await session.flush()
            current = await repository.get(session, incident_id)
            effects = await self._queue(session, incident_id, announcements.call_ready(), snapshot=current)
            return Change(current, frozenset({"call_url"}), effects=effects)

    async def set_public_incident(self, incident_id: int, public_id: str, url: str, status: str) -> Change:
        """The status-page incident posted for it (made or updated): kept, and the headline shows it."""
        async with self._db.transaction() as session:
            incident = await repository.get(session, incident_id, for_update=True)
            if (incident.public_incident_id, incident.public_incident_url, incident.public_status) == (
                public_id,
                url,
                status,
            ):
                return Change(incident)
            incident.public_incident_id, incident.public_incident_url = public_id, url
            incident.public_status = status
            incident.updated_at = self._clock()
            await session.flush()
            current = await repository.get(session, incident_id)
            effects = await self._queue(
                session, incident_id, [Spec(EffectKind.EDIT_HEADLINE)], snapshot=current
            )
            return Change(current, frozenset({"public_incident"}), effects=effects)

    async def _declared_with(self, declare_key: str | None) -> Incident | None:
        """The incident a submission made, if it was stored (CommitUncertain if we can't tell)."""
        if declare_key is None:
            return None
        try:
            async with self._db.transaction() as session:
                return await repository.by_declare_key(session, declare_key)
        except StorageError:
            raise CommitUncertain() from None

    # --- changing -------------------------------------------------------------------------------

    async def _change(
        self,
        incident_id: int,
        actor: UserRef | None,
        key: str | None,
        apply: Apply,
        *,
        allow_closed: bool = False,
        shown: Shown = Shown(),
        confirm_unchanged: bool = True,
    ) -> Change:
        """Apply a change in one transaction with its timeline entries and effects.

        A change that changes nothing still gets its confirmation (a ✅ for `sev 1` when it is
        already sev 1), unless `confirm_unchanged` is off (closing a closed incident is an error).
        """
        try:
            return await self._change_once(
                incident_id, actor, key, apply, allow_closed, shown, confirm_unchanged
            )
        except CommitUncertain:
            if key is None:
                raise
            await self._ensure_handled(key)  # raises unless the change was stored after all
            return Change(await self.get(incident_id), duplicate=True)

    async def _ensure_handled(self, key: str) -> None:
        """After an uncertain commit: return if the change made under `key` was stored after all.

        `StorageError` if it was not (so the person may truly be told nothing changed);
        `CommitUncertain` again if the database still can't say.
        """
        try:
            async with self._db.transaction() as session:
                stored = await idempotency.exists(session, key)
        except StorageError:
            raise CommitUncertain() from None
        if not stored:
            raise StorageError()

    async def _change_once(
        self,
        incident_id: int,
        actor: UserRef | None,
        key: str | None,
        apply: Apply,
        allow_closed: bool,
        shown: Shown,
        confirm_unchanged: bool,
    ) -> Change:
        async with self._db.transaction() as session:
            if key is not None and not await idempotency.claim(session, key):
                return Change(await repository.get(session, incident_id), duplicate=True)
            incident = await repository.get(session, incident_id, for_update=True)
            if not allow_closed and not incident.is_open:
                raise IncidentClosed(incident_id)
            actor_row = await users.upsert(session, actor) if actor else None
            now = self._clock()
            before = {"severity": incident.severity, "status": incident.status}
            entries = await apply(session, incident, now)
            if not entries:
                confirm = [shown.confirmation.spec()] if shown.confirmation and confirm_unchanged else []
                unchanged = await self._queue(
                    session, incident_id, confirm, origin_key=key, snapshot=incident
                )
                return Change(incident, effects=unchanged)
            rows = [
                timeline.add(
                    session,
                    incident.id,
                    entry.kind,
                    entry.text,
                    occurred_at=now,
                    author_id=actor_row.id if actor_row else None,
                    data=entry.data,
                )
                for entry in entries
            ]
            incident.updated_at = now
            await session.flush()
            fields = frozenset(e.field for e in entries)
            specs = announcements.changed(
                fields,
                actor_id=actor.slack_id if actor else None,
                update_text=shown.update_text,
                announce_field=shown.announce_field,
                confirmation=shown.confirmation,
            )
            current = await repository.get(session, incident_id)
            specs += await self._followers_calls(
                session, current, fields, before, actor.slack_id if actor else None
            )
            specs += await self._entry_calls(session, current, rows)
            effects = await self._queue(session, incident_id, specs, origin_key=key, snapshot=current)
            return Change(current, fields, effects=effects)

    async def edit(
        self,
        incident_id: int,
        fields: IncidentFields,
        *,
        actor: UserRef | None = None,
        key: str | None = None,
    ) -> Change:
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

        return await self._change(incident_id, actor, key, apply)

    async def set_severity(
        self,
        incident_id: int,
        severity: Severity,
        *,
        actor: UserRef,
        key: str | None = None,
        confirm: Confirmation | None = None,
    ) -> Change:
        async def apply(_: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            return self._severity(incident, severity)

        return await self._change(incident_id, actor, key, apply, shown=Shown(confirm))

    def _severity(self, incident: Incident, severity: Severity | None) -> list[Entry]:
        if incident.severity == severity:
            return []
        entry = Entry("severity", EntryKind.SEVERITY, history.severity_changed(incident.severity, severity))
        incident.severity = severity
        return [entry]

    async def set_status(
        self,
        incident_id: int,
        status: Status,
        *,
        actor: UserRef,
        key: str | None = None,
        confirm: Confirmation | None = None,
    ) -> Change:
        """Move through the lifecycle; `resolved` closes the incident."""
        if status is Status.RESOLVED:
            return await self.close(incident_id, actor=actor, key=key, confirm=confirm)

        async def apply(_: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            if incident.status is status:
                return []
            entry = Entry("status", EntryKind.STATUS, history.status_changed(incident.status, status))
            incident.status = status
            return [entry]

        return await self._change(incident_id, actor, key, apply, shown=Shown(confirm))

    async def assign(
        self,
        incident_id: int,
        role: str,
        person: UserRef,
        *,
        actor: UserRef | None,
        key: str | None = None,
        confirm: Confirmation | None = None,
    ) -> Change:
        """Give a role (the lead, or one of the configured roles) to someone (`actor` None: the bot)."""
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

        return await self._change(incident_id, actor, key, apply, shown=Shown(confirm))

    async def _lead(self, session: AsyncSession, incident: Incident, person: UserRef | None) -> list[Entry]:
        user = await self._assignee(session, person) if person else None
        if (incident.lead_id or None) == (user.id if user else None):
            return []
        old = incident.lead.slack_id if incident.lead else None
        incident.lead_id, incident.lead = (user.id, user) if user else (None, None)
        if user is not None and incident.acknowledged_at is None:
            incident.acknowledged_at = self._clock()
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
        self,
        incident_id: int,
        name: str,
        text: str,
        *,
        actor: UserRef,
        key: str | None = None,
        confirm: Confirmation | None = None,
        announce: bool = False,
    ) -> Change:
        """Set the summary or the impact; `announce`: say so in the incident channel (a modal's change)."""
        value = validated_text(name, text)

        async def apply(_: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            return self._text(incident, name, value)

        shown = Shown(confirm, announce_field=name if announce else None)
        return await self._change(incident_id, actor, key, apply, allow_closed=True, shown=shown)

    def _text(self, incident: Incident, name: str, value: str | None) -> list[Entry]:
        old = getattr(incident, name)
        if old == value:
            return []
        setattr(incident, name, value)
        return [Entry(name, EntryKind(name), history.text_changed(name, old, value))]

    async def accept_proposal(
        self, proposal_id: int, *, actor: UserRef, key: str | None = None
    ) -> Change | None:
        """Replace the summary or impact with a proposal, which is removed in the same transaction;
        None if it was already answered (or forgotten)."""
        async with self._db.transaction() as session:
            proposal = await session.get(Proposal, proposal_id)
        if proposal is None:
            return None

        async def apply(session: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            row = await session.get(Proposal, proposal_id, with_for_update=True, populate_existing=True)
            if row is None:
                raise _AlreadyAnswered()
            await session.delete(row)
            return self._text(incident, row.field, row.text)

        try:
            return await self._change(proposal.incident_id, actor, key, apply, allow_closed=True)
        except _AlreadyAnswered:
            return None

    async def close(
        self,
        incident_id: int,
        *,
        actor: UserRef | None = None,
        key: str | None = None,
        confirm: Confirmation | None = None,
    ) -> Change:
        """Resolve the incident now; closing a closed incident changes nothing."""

        async def apply(session: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            if not incident.is_open:
                return []
            incident.status, incident.resolved_at = Status.RESOLVED, now
            await self.lifecycle.closed(session, incident, now)
            return [Entry("closed", EntryKind.CLOSED, "Incident closed")]

        shown = Shown(confirm)
        return await self._change(
            incident_id, actor, key, apply, allow_closed=True, shown=shown, confirm_unchanged=False
        )

    async def reopen(
        self, incident_id: int, *, actor: UserRef, key: str | None = None, confirm: Confirmation | None = None
    ) -> Change:
        async def apply(session: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            if incident.is_open:
                return []
            incident.status, incident.resolved_at = Status.INVESTIGATING, None
            await self.lifecycle.opened(session, incident, now)
            return [Entry("reopened", EntryKind.REOPENED, "Incident reopened")]

        shown = Shown(confirm)
        return await self._change(
            incident_id, actor, key, apply, allow_closed=True, shown=shown, confirm_unchanged=False
        )

    async def post_update(
        self,
        incident_id: int,
        text: str,
        *,
        actor: UserRef,
        key: str | None = None,
        confirm: Confirmation | None = None,
    ) -> Change:
        """A status update: kept on the timeline as written, posted in the channel and under the headline."""
        value = required_text("update", text, missing="A status update needs some text.")

        async def apply(_: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            return [Entry("update", EntryKind.UPDATE, value)]

        shown = Shown(confirm, update_text=value)
        return await self._change(incident_id, actor, key, apply, allow_closed=True, shown=shown)

    async def add_followup(
        self,
        incident_id: int,
        followup: str,
        *,
        actor: UserRef,
        owner: UserRef | None = None,
        due: date | None = None,
        key: str | None = None,
        confirm: Confirmation | None = None,
    ) -> Change:
        """Something to do after the incident, kept with it and on its timeline; its owner is whoever
        wrote it unless they named someone."""
        value = required_text("follow-up", followup, missing="A follow-up needs some text.")

        async def apply(session: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            author = await users.upsert(session, actor)
            owned_by = await self._assignee(session, owner) if owner is not None else author
            added = FollowUp(
                incident_id=incident.id,
                text=value,
                created_by_id=author.id,
                created_at=now,
                owner_id=owned_by.id,
                due_on=due,
            )
            session.add(added)
            await session.flush()
            shown = f"Follow-up: {value}"
            if owner is not None and owner.slack_id != actor.slack_id:
                shown += f" (owner <@{owner.slack_id}>)"
            if due is not None:
                shown += f" (due {due.isoformat()})"
            return [Entry("followup", EntryKind.FOLLOWUP, shown, {"followup": added.id, "event": "created"})]

        return await self._change(incident_id, actor, key, apply, allow_closed=True, shown=Shown(confirm))

    async def followups(self, incident_id: int) -> list[FollowUp]:
        """The incident's follow-ups, oldest first, with their owners."""
        async with self._db.read() as session:
            rows = await session.scalars(
                select(FollowUp)
                .options(selectinload(FollowUp.owner))
                .where(FollowUp.incident_id == incident_id)
                .order_by(FollowUp.created_at, FollowUp.id)
            )
            return list(rows.all())

    async def followup_tally(self, incident_id: int) -> tuple[int, int]:
        """(done, total) of the incident's follow-ups."""
        async with self._db.read() as session:
            row = (
                await session.execute(
                    select(func.count(), func.coalesce(func.sum(case((FollowUp.done, 1), else_=0)), 0)).where(
                        FollowUp.incident_id == incident_id
                    )
                )
            ).one()
        return int(row[1]), int(row[0])

    async def set_followup_done(
        self, followup_id: int, done: bool, *, actor: UserRef, key: str | None = None
    ) -> Change:
        """Mark a follow-up done (or not done again), on the timeline once per change."""
        async with self._db.read() as session:
            found = await session.get(FollowUp, followup_id)
        if found is None:
            raise UnknownFollowUp(followup_id)
        text = found.text

        async def apply(session: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            followup = await session.get(FollowUp, followup_id, with_for_update=True)
            if followup is None or followup.done == done:
                return []
            followup.done, followup.done_at = done, now if done else None
            verb = "done" if done else "reopened"
            data = {"followup": followup_id, "event": verb}
            return [Entry("followup", EntryKind.FOLLOWUP, f"Follow-up {verb}: {text}", data)]

        return await self._change(found.incident_id, actor, key, apply, allow_closed=True)

    async def followup(self, followup_id: int) -> FollowUp:
        """One follow-up, with its owner."""
        async with self._db.read() as session:
            found = await session.scalar(
                select(FollowUp).options(selectinload(FollowUp.owner)).where(FollowUp.id == followup_id)
            )
        if found is None:
            raise UnknownFollowUp(followup_id)
        return found

    async def set_followup_ticket(
        self, followup_id: int, ticket_id: str, ticket_key: str, url: str, *, tracker: str
    ) -> Change:
        """The ticket a follow-up became: kept (the first one made is the one kept) and on the
        timeline once."""
        found = await self.followup(followup_id)

        async def apply(session: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            followup = await session.get(FollowUp, followup_id, with_for_update=True)
            if followup is None or followup.ticket_id:
                return []
            followup.ticket_id, followup.ticket_key, followup.ticket_url = ticket_id, ticket_key, url
            text = f"Follow-up filed in {tracker} as {ticket_key}: {found.text}"
            data = {"followup": followup_id, "event": "ticketed", "ticket": ticket_key, "url": url}
            return [Entry("followup_ticket", EntryKind.FOLLOWUP, text, data)]

        return await self._change(found.incident_id, None, None, apply, allow_closed=True)

    async def ticket_closed(self, followup_id: int, *, tracker: str, state: str) -> Change:
        """Its ticket was closed in the tracker: the follow-up is done, once, with a timeline entry
        saying where (a follow-up done already is left as it is)."""
        found = await self.followup(followup_id)

        async def apply(session: AsyncSession, incident: Incident, now: datetime) -> list[Entry]:
            followup = await session.get(FollowUp, followup_id, with_for_update=True)
            if followup is None or followup.ticket_closed_at is not None:
                return []
            followup.ticket_closed_at = now
            if followup.done:
                return []
            followup.done, followup.done_at = True, now
            text = f"Follow-up done ({followup.ticket_key} is {state} in {tracker}): {found.text}"
            return [Entry("followup", EntryKind.FOLLOWUP, text, {"followup": followup_id, "event": "done"})]

        return await self._change(found.incident_id, None, None, apply, allow_closed=True)

    async def overdue_followups(self, today: date, limit: int = 200) -> list[FollowUp]:
        """Follow-ups not done whose due date has passed, with their owners, oldest due first."""
        async with self._db.read() as session:
            rows = await session.scalars(
                select(FollowUp)
                .options(selectinload(FollowUp.owner))
                .where(FollowUp.done.is_(False), FollowUp.due_on < today, FollowUp.owner_id.is_not(None))
                .order_by(FollowUp.due_on, FollowUp.id)
                .limit(limit)
            )
            return list(rows.all())

    async def nudge(self, followup_id: int, today: date, most: int) -> bool:
        """DM the owner of this overdue follow-up, if they are still owed a nudge: not done, not
        nudged today, fewer than `most` so far. Counted and queued in one transaction under the
        row's lock, so it is one nudge a day however many replicas look."""
        async with self._db.transaction() as session:
            followup = await session.get(
                FollowUp, followup_id, with_for_update=True, options=[selectinload(FollowUp.owner)]
            )
            if (
                followup is None
                or followup.done
                or followup.owner is None
                or followup.due_on is None
                or followup.nudged_on == today
                or followup.nudges_sent >= most
            ):
                return False
            followup.nudges_sent += 1
            followup.nudged_on = today
            payload = {
                "user": followup.owner.slack_id,
                "followup": followup.id,
                "text": followup.text,
                "due": followup.due_on.isoformat(),
                "nth": followup.nudges_sent,
                "most": most,
                "ticket_url": followup.ticket_url,
                "ticket_key": followup.ticket_key,
            }
            spec = Spec(EffectKind.NUDGE, payload, dedupe_key=f"nudge:{followup.id}:{followup.nudges_sent}")
            await self._queue(session, followup.incident_id, [spec])
            return True

    async def request_channel(self, incident_id: int, *, key: str | None = None) -> Change | None:
        """The headline's button: queue the channel's making (once); None if it has one or it is coming."""
        try:
            async with self._db.transaction() as session:
                incident = await repository.get(session, incident_id, for_update=True)
                if incident.channel_id:
                    return None
                specs = announcements.channel_requested(incident)
                effects = await self._queue(session, incident_id, specs, origin_key=key)
                return Change(incident, effects=effects)
        except IntegrityError:
            return None  # its channel is queued already (one per incident: the effect's key)


class _AlreadyAnswered(Exception):
    """A proposal someone else accepted or declined in the meantime."""


def _aware(moment: datetime) -> datetime:
    """A timestamp read by an aggregate (which skips the column type) as aware UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
