"""What each change to an incident must make Slack show: the effects queued with it, in order.

The domain decides *what* must be shown (the headline brought up to date, a note that the incident
closed, a ✅ on the message that asked); the Slack adapter decides *how* when it performs them.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from response_bot.incidents.models import Incident


class EffectKind(enum.StrEnum):
    CREATE_CHANNEL = "channel.create"
    INVITE = "channel.invite"
    TOPIC = "channel.topic"
    BOOKMARK = "channel.bookmark"
    WELCOME = "channel.welcome"
    POST_HEADLINE = "headline.post"
    EDIT_HEADLINE = "headline.edit"
    NOTE = "channel.note"  # payload: note (closed | reopened | text_changed), actor, field
    UPDATE_IN_CHANNEL = "update.channel"  # payload: text, actor
    UPDATE_UNDER_HEADLINE = "update.headline"  # payload: text, actor
    REACTION = "reaction"  # payload: channel, ts, name
    MESSAGE = "message"  # a plugin's ctx.say; payload: channel, text, blocks
    TELL_REPORTER = "reporter.note"  # the declaration finished late: tell whoever declared it
    CALL_READY = "channel.call"  # the incident's call link arrived: bookmark it and say it
    INVITE_PEOPLE = "channel.invite_people"  # payload: users (Slack ids) a person asked to bring in
    NUDGE = "person.nudge"  # a DM to the owner of an overdue follow-up; payload: user, followup, text, due


# What declaring an incident (with its channel) needs, in the order it is done.
DECLARATION = (
    EffectKind.CREATE_CHANNEL,
    EffectKind.POST_HEADLINE,
    EffectKind.INVITE,
    EffectKind.TOPIC,
    EffectKind.BOOKMARK,
    EffectKind.WELCOME,
)
# What making the channel later (the headline's button) needs.
LATE_CHANNEL = (
    EffectKind.CREATE_CHANNEL,
    EffectKind.EDIT_HEADLINE,
    EffectKind.INVITE,
    EffectKind.TOPIC,
    EffectKind.BOOKMARK,
    EffectKind.WELCOME,
)


# The lane of everything Slack shows. Another system's effects (a pager, a status page) name their
# own lane, so that system being down never holds back what Slack should show.
SLACK_LANE = "slack"


@dataclass(frozen=True)
class Spec:
    """An effect to queue: what to do, with what, and (optionally) a key that makes it happen once.

    `kind` is one of `EffectKind` for Slack; an integration's kinds are its own strings."""

    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None
    lane: str = SLACK_LANE


class Queued(Protocol):
    """An effect as queued (the outbox's row): enough to wait for it and to know what it is."""

    @property
    def id(self) -> int: ...

    @property
    def kind(self) -> str: ...

    @property
    def lane(self) -> str: ...

    @property
    def status(self) -> str: ...


class EffectQueue(Protocol):
    """Where a change's effects are written, in the change's own transaction (the effect outbox)."""

    async def queue(
        self,
        session: AsyncSession,
        incident_id: int,
        specs: Sequence[Spec],
        /,  # the service passes these by position
        *,
        origin_key: str | None = None,
        fresh: bool = False,
        snapshot: Incident | None = None,
    ) -> Sequence[Queued]: ...

    async def kinds_in_lane(self, session: AsyncSession, incident_id: int, lane: str, /) -> list[str]:
        """The kinds queued in one of the incident's lanes so far, oldest first, without failed ones."""
        ...


# Fields a change can touch that the channel topic shows.
TOPIC_FIELDS = frozenset({"title", "status", "closed", "reopened"})


@dataclass(frozen=True)
class Confirmation:
    """How to tell the person their request worked, where they made it: a reaction on their message."""

    channel_id: str
    message_ts: str
    reaction: str

    def spec(self) -> Spec:
        return Spec(
            EffectKind.REACTION,
            {"channel": self.channel_id, "ts": self.message_ts, "name": self.reaction},
            dedupe_key=f"reaction:{self.channel_id}:{self.message_ts}:{self.reaction}",
        )


def channel_key(incident_id: int) -> str:
    """One channel per incident, however many times it is asked for."""
    return f"channel:{incident_id}"


def headline_key(incident_id: int) -> str:
    """One headline per incident, however many times its announcement is queued."""
    return f"headline:{incident_id}"


def _channel_setup(incident: Incident, then: Spec) -> list[Spec]:
    # The title is recorded with the intent, so a retry after a crash names (and finds) the same channel.
    return [
        Spec(EffectKind.CREATE_CHANNEL, {"title": incident.title}, dedupe_key=channel_key(incident.id)),
        then,
        Spec(EffectKind.INVITE),
        Spec(EffectKind.TOPIC),
        Spec(EffectKind.BOOKMARK),
        Spec(EffectKind.WELCOME),
    ]


def declared(incident: Incident, *, with_channel: bool) -> list[Spec]:
    """Channel first (so the headline can link it), then the headline, then the channel's set-up."""
    headline = Spec(EffectKind.POST_HEADLINE, dedupe_key=headline_key(incident.id))
    if with_channel:
        return _channel_setup(incident, headline)
    return [headline]


def channel_requested(incident: Incident) -> list[Spec]:
    """The headline's button: make the channel, show it on the headline, set it up."""
    return _channel_setup(incident, Spec(EffectKind.EDIT_HEADLINE))


def call_ready() -> list[Spec]:
    """A call link that arrived after the declaration: on the headline, and in the channel."""
    return [Spec(EffectKind.EDIT_HEADLINE), Spec(EffectKind.CALL_READY)]


def changed(
    fields: frozenset[str],
    *,
    actor_id: str | None,
    update_text: str | None = None,
    announce_field: str | None = None,
    confirmation: Confirmation | None = None,
) -> list[Spec]:
    """The headline edited in place, the topic kept current, and what the channel should be told."""
    specs: list[Spec] = []
    if fields - {"update"}:
        specs.append(Spec(EffectKind.EDIT_HEADLINE))
    if fields & TOPIC_FIELDS:
        specs.append(Spec(EffectKind.TOPIC))
    if "closed" in fields:
        specs.append(Spec(EffectKind.NOTE, {"note": "closed", "actor": actor_id}))
    elif "reopened" in fields:
        specs.append(Spec(EffectKind.NOTE, {"note": "reopened", "actor": actor_id}))
    if announce_field is not None and announce_field in fields:
        specs.append(
            Spec(EffectKind.NOTE, {"note": "text_changed", "actor": actor_id, "field": announce_field})
        )
    if update_text is not None:
        payload = {"text": update_text, "actor": actor_id}
        specs += [
            Spec(EffectKind.UPDATE_IN_CHANNEL, payload),
            Spec(EffectKind.UPDATE_UNDER_HEADLINE, payload),
        ]
    if confirmation is not None:
        specs.append(confirmation.spec())
    return specs
