"""Calls to other systems (a pager, a status page, a meeting service), as building blocks make them.

A change to an incident asks its `@incident_changed` blocks which calls it needs; they are stored
with the change as effects in the system's own lane (so a pager that is down never holds back what
Slack shows), and made afterwards by the `@outbound_call` block for their kind, retried until they
go through. One that finally fails is said in the incident channel in plain words.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from response_bot.db.errors import StorageError
from response_bot.effects.models import Effect
from response_bot.effects.runner import Outcome, Performer
from response_bot.effects.service import Effects
from response_bot.extensions.registry import Registry
from response_bot.followups.models import FollowUp
from response_bot.incidents.announcements import SLACK_LANE, EffectKind, Spec
from response_bot.incidents.models import Incident
from response_bot.incidents.service import CallsMade, IncidentService
from response_bot.outcomes import GiveUp, Retry
from response_bot.text import as_markup as escape
from response_bot.timeline.models import TimelineEntry
from response_bot.timeline.service import TimelineService
from response_bot.users.models import UserRef

log = logging.getLogger(__name__)
# How long a call may wait for the incident's channel, being made in Slack's lane, to link it.
CHANNEL_WAIT = 2.0
CHANNEL_POLL = 0.1
# The payload key holding what a call is, in words, for the channel if it finally fails.
WHAT = "_what"


class TryLater(Retry):
    """Raise from an `@outbound_call` when it is worth trying again: a timeout, a 5xx, a 429 (with
    `retry_after` seconds if the system said). `maybe_sent`: the request may have been acted on."""

    def __init__(self, reason: str, *, retry_after: float | None = None, maybe_sent: bool = False) -> None:
        super().__init__(reason, retry_after=retry_after, sent_maybe=maybe_sent)


class Refused(GiveUp):
    """Raise from an `@outbound_call` when the other system said no for good. The message is said in
    the incident channel as it is, so make it a sentence that says what to check."""


@dataclass(frozen=True)
class Call:
    """A call to another system that a change needs: `kind` is `"<lane>.<what>"`; `what` says it in
    words ("the page to PagerDuty"); `key` makes it happen at most once, ever."""

    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    what: str = ""
    key: str | None = None
    # Its queue: by default the system's (`kind` up to the dot). A call that waits on purpose
    # (following another system's state) takes a queue of its own so nothing waits behind it.
    queue: str | None = None

    @property
    def lane(self) -> str:
        return (self.queue or self.kind.partition(".")[0])[:40]

    def spec(self) -> Spec:
        return Spec(self.kind, {**self.payload, WHAT: self.what}, dedupe_key=self.key, lane=self.lane)


@dataclass(frozen=True)
class IncidentChanged:
    """What an `@incident_changed` block is told: the incident as the change leaves it, which of
    its fields changed (`declared`, `severity`, `status`, `closed`, `reopened`, `title`, `lead`, …)
    and, for `severity` and `status`, what they were before."""

    incident: Incident
    changed: frozenset[str]
    before: Mapping[str, Any]
    _calls_made: CallsMade
    actor: str | None = None  # the Slack id of who made the change, if a person did

    async def calls_made(self, lane: str) -> list[str]:
        """The kinds of this incident's calls in `lane` so far, oldest first, leaving out those that
        failed for good (a refused page paged nobody)."""
        return await self._calls_made(lane)


@dataclass(frozen=True)
class EntryAdded:
    """What a `@timeline_entry_added` block is told: the incident and the entry (its `author`
    loaded), inside the transaction that adds it."""

    incident: Incident
    entry: TimelineEntry
    _followup: Callable[[int], Awaitable[FollowUp | None]]

    async def followup(self, followup_id: int) -> FollowUp | None:
        """A follow-up as this transaction sees it (owner and author loaded), for an entry about one."""
        return await self._followup(followup_id)


class Followers:
    """Asks every `@incident_changed` block what a change needs, and every `@timeline_entry_added`
    block what a new timeline entry needs (the domain's `Followers`)."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    @property
    def wants_entries(self) -> bool:
        return bool(self._registry.entries)

    async def entry_calls(
        self,
        incident: Incident,
        entries: Sequence[TimelineEntry],
        followup: Callable[[int], Awaitable[FollowUp | None]],
    ) -> list[Spec]:
        specs: list[Spec] = []
        for entry in entries:
            for handler in self._registry.entries:
                try:
                    calls = await handler(EntryAdded(incident, entry, followup))
                except StorageError:
                    raise
                except Exception:  # a broken block must not stop the entry itself
                    log.exception("%s failed on a timeline entry of incident %s", _name(handler), incident.id)
                    continue
                specs += [call.spec() for call in calls or ()]
        return specs

    async def calls(
        self,
        incident: Incident,
        changed: frozenset[str],
        before: Mapping[str, Any],
        calls_made: CallsMade,
        actor: str | None = None,
    ) -> list[Spec]:
        specs: list[Spec] = []
        for handler in self._registry.changes:
            try:
                calls = await handler(IncidentChanged(incident, changed, before, calls_made, actor))
            except StorageError:
                raise
            except Exception:  # a broken block must not stop the change itself
                log.exception("%s failed on incident %s; its calls are skipped", _name(handler), incident.id)
                continue
            specs += [call.spec() for call in calls or ()]
        return specs


@dataclass(frozen=True)
class OutboundCall:
    """What an `@outbound_call` block is given: the call and ways to tell people what it did."""

    incident: Incident
    kind: str
    payload: Mapping[str, Any]
    # Stable for this call however often it is made: a tag for the other system to find it by.
    key: str
    attempt: int
    # An earlier attempt may have reached the other system (a crash, a timeout after sending).
    maybe_sent: bool
    doc_url: str
    _record: Callable[[str, dict[str, Any] | None, str | None], Awaitable[None]]
    _say: Callable[[str, list[dict[str, Any]] | None, str | None], Awaitable[None]]
    _incidents: IncidentService
    _then: Callable[[Call], Awaitable[None]]
    _show: Callable[[Spec], Awaitable[None]]

    async def with_channel(self, within: float = CHANNEL_WAIT) -> Incident:
        """The incident once its Slack channel exists, waiting up to `within` seconds for a channel
        being made right now (to link it); as it is after that, so Slack never holds the call up."""
        incident = self.incident
        deadline = asyncio.get_running_loop().time() + within
        while not incident.channel_id and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(CHANNEL_POLL)
            incident = await self._incidents.get(incident.id)
        return incident

    async def set_call_link(self, url: str) -> None:
        """This incident's call (a meeting made for it): kept, shown on the headline, bookmarked and
        said in the channel. Once per incident: a link it already has is kept."""
        await self._incidents.set_call_url(self.incident.id, url)

    async def record(self, text: str, data: dict[str, Any] | None = None, *, once: str | None = None) -> None:
        """Put what the call did on the incident's timeline: once, however often the call is made
        (or, with `once`, however many calls record under that key)."""
        await self._record(text, data, once)

    async def say(
        self, text: str, *, blocks: list[dict[str, Any]] | None = None, once: str | None = None
    ) -> None:
        """Tell the incident channel (once per call, or per `once` key): Slack mrkdwn, so escape
        anything you did not write with `escape`."""
        await self._say(text, blocks, once)

    async def post(self, channel: str, text: str, *, once: str) -> None:
        """Post in another channel (`#name` or an ID; the bot must be able to post there), once per
        `once` key: Slack mrkdwn, so escape anything you did not write."""
        await self._show(
            Spec(EffectKind.MESSAGE, {"channel": channel, "text": text}, dedupe_key=f"post:{once}")
        )

    async def invite(self, people: Sequence[str], *, once: str) -> None:
        """Bring people into the incident's channel: user IDs (U…), and user groups (S… or @handle)
        whose members are all invited; once per `once` key."""
        users = [p for p in people if not p.startswith(("S", "@"))]
        groups = [p for p in people if p.startswith(("S", "@"))]
        payload = {"users": users, "groups": groups}
        await self._show(Spec(EffectKind.INVITE_PEOPLE, payload, dedupe_key=f"invite:{once}"))

    async def assign(self, role: str, slack_id: str, *, key: str) -> bool:
        """Give a role (the lead, or one of INCIDENT_ROLES) to someone, as the bot: a change like a
        person's, once per `key`. True if it changed who holds it."""
        change = await self._incidents.assign(self.incident.id, role, UserRef(slack_id), actor=None, key=key)
        return change.any

    async def then(self, call: Call) -> None:
        """Queue a further call that this one leads to (following up what it made, say); once."""
        await self._then(call)

    async def set_public_incident(self, public_id: str, url: str, status: str) -> None:
        """The status-page incident posted for this incident: kept; the headline and doc link it."""
        await self._incidents.set_public_incident(self.incident.id, public_id, url, status)

    async def current(self) -> Incident:
        """The incident as it is now (the call may have waited a while)."""
        return await self._incidents.get(self.incident.id)

    async def followups(self) -> list[FollowUp]:
        """The incident's follow-ups as they are now, oldest first."""
        return await self._incidents.followups(self.incident.id)

    async def followup(self, followup_id: int) -> FollowUp:
        """One follow-up as it is now (`UnknownFollowUp` if it is gone)."""
        return await self._incidents.followup(followup_id)

    async def set_ticket(self, followup_id: int, ticket_id: str, key: str, url: str, *, tracker: str) -> None:
        """The ticket a follow-up became in `tracker`: kept (the first one), on the timeline once."""
        await self._incidents.set_followup_ticket(followup_id, ticket_id, key, url, tracker=tracker)

    async def ticket_closed(self, followup_id: int, *, tracker: str, state: str) -> bool:
        """Its ticket was closed in `tracker` (in state `state`): the follow-up is marked done, once
        (True if this call did it)."""
        change = await self._incidents.ticket_closed(followup_id, tracker=tracker, state=state)
        return change.any


class Performers:
    """Performs each effect: Slack's lane by Slack's performer, any other by the block for its kind."""

    def __init__(
        self,
        slack: Performer,
        registry: Registry,
        effects: Effects,
        timeline: TimelineService,
        doc_url: Callable[[int], str],
        incidents: IncidentService,
    ) -> None:
        self._slack = slack
        self._incidents = incidents
        self._registry = registry
        self._effects = effects
        self._timeline = timeline
        self._doc_url = doc_url

    async def perform(self, effect: Effect, incident: Incident) -> Outcome:
        if effect.lane == SLACK_LANE:
            return await self._slack.perform(effect, incident)
        handler = self._registry.outbound.get(effect.kind)
        if handler is None:
            raise GiveUp(f"nothing makes '{effect.kind}' calls now: is its integration still configured?")

        async def record(text: str, data: dict[str, Any] | None, once: str | None) -> None:
            key = f"once:{once}"[:96] if once else f"effect:{effect.id}"
            system = effect.kind.partition(".")[0]
            await self._timeline.record(
                incident.id, text, key=key, data={"integration": system, **(data or {})}
            )

        async def say(text: str, blocks: list[dict[str, Any]] | None, once: str | None) -> None:
            key = f"said:{once}" if once else f"said:{effect.id}"
            payload = {"note": "text", "text": text, "blocks": blocks}
            note = Spec(EffectKind.NOTE, payload, dedupe_key=key[:255])
            await self._effects.queue_once(incident.id, note)

        async def then(call: Call) -> None:
            spec = replace(call.spec(), dedupe_key=f"then:{effect.id}:{call.kind}:{call.key or ''}"[:255])
            await self._effects.queue_once(incident.id, spec)

        async def show(spec: Spec) -> None:
            await self._effects.queue_once(incident.id, spec)

        payload = {k: v for k, v in effect.payload.items() if k != WHAT}
        await handler(
            OutboundCall(
                incident,
                effect.kind,
                payload,
                f"response-call-{effect.id}",
                effect.attempts,
                effect.uncertain,
                self._doc_url(incident.id),
                record,
                say,
                self._incidents,
                then,
                show,
            )
        )
        return Outcome()


def failure_note(effect: Effect, error: str, gave_up_retrying: bool) -> list[Spec]:
    """A call to another system that finally failed is said in the incident channel, once."""
    if effect.lane == SLACK_LANE:
        return []  # Slack can't be told that Slack failed; `response-bot check` lists it
    # Another system's words: shown as text, never as Slack markup (no pings, no disguised links).
    reason = escape(error.removeprefix("not sent: "))
    if gave_up_retrying:
        what = escape(str(effect.payload.get(WHAT) or effect.kind))
        text = (
            f"⚠️ {what[:1].upper() + what[1:]} did not go through after {effect.attempts} tries "
            f"({reason}); it will not be tried again. `response-bot check` lists it."
        )
    else:
        text = f"⚠️ {reason}"
    return [Spec(EffectKind.NOTE, {"note": "text", "text": text}, dedupe_key=f"problem:{effect.id}")]


def _name(handler: Any) -> str:
    return f"{getattr(handler, '__module__', '?')}.{getattr(handler, '__qualname__', handler)}"
