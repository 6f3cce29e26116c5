"""What each change to an incident must make Slack show: the effects queued with it, in order.

The domain decides *what* must be shown (the headline brought up to date, a note that the incident
closed, a ✅ on the message that asked); the Slack adapter decides *how* when it performs them.
"""

from __future__ import annotations

from dataclasses import dataclass

from response_bot.effects.models import EffectKind
from response_bot.effects.service import Spec
from response_bot.incidents.models import Incident

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
