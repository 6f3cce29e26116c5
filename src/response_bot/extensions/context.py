"""What a building block receives: the incident, who acted, and ways to answer in Slack."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from slack_sdk.web.async_client import AsyncWebClient

from response_bot.effects.models import Effect, EffectStatus
from response_bot.effects.runner import EffectRunner
from response_bot.effects.service import Effects
from response_bot.errors import UserError
from response_bot.extensions.outbound import Call
from response_bot.extensions.replies import Recipient, Replier
from response_bot.incidents.announcements import SLACK_LANE, Confirmation, EffectKind, Queued, Spec
from response_bot.incidents.models import Incident
from response_bot.incidents.proposals import Proposals
from response_bot.incidents.service import Change, IncidentService
from response_bot.users.models import UserRef
from response_bot.vault.service import Vault

if TYPE_CHECKING:
    from response_bot.extensions.registry import Registry


NOTIFICATION_EVENT = "incident_notification"
DONE = "white_check_mark"
# How long `say` waits for its message to be posted before returning without a ts.
SAY_WAIT = 10.0


def notification_metadata(notification_id: int) -> dict[str, Any]:
    return {"event_type": NOTIFICATION_EVENT, "event_payload": {"notification_id": notification_id}}


class CommandError(UserError):
    """Raise from a building block to tell the person what went wrong; nothing is marked done."""


@dataclass
class Toolkit:
    """The services building blocks use, assembled once by the composition root."""

    client: AsyncWebClient
    incidents: IncidentService
    replies: Replier
    registry: Registry
    bot_user_id: str
    doc_url: Callable[[int], str]
    person: Callable[[str], Awaitable[UserRef]]
    rename_channel: Callable[[Incident, str], Awaitable[Change]]
    proposals: Proposals
    vault: Vault
    effects: Effects
    runner: EffectRunner
    # Today, in the business timezone (due dates are days there).
    today: Callable[[], date] = field(default=lambda: datetime.now(UTC).date())
    # The follow-up tracker's name (Jira, Linear) when follow-ups can become tickets.
    tracker: str | None = None


@dataclass
class IncidentContext:
    """Handed to every building block as `ctx`.

    - `incident`: the incident (refreshed after `publish`)
    - `user_id`: who acted, if a person did; `channel_id`: the incident's channel, if it has one
    - `args`: a command's text after its name; `text`, `message_ts`: the message that triggered it
    - `keyword`, `event`, `action`: set for keyword, event and action handlers
    - `key`: identifies the delivery that ran this handler; the same on a redelivery of it, so a
      handler can use it as an idempotency key for what it does outside Slack
    - `client`: the Slack Web API client; `incidents`: the incident service
    """

    toolkit: Toolkit
    incident: Incident
    user_id: str | None = None
    channel_id: str | None = None
    args: str = ""
    text: str = ""
    message_ts: str | None = None
    thread_ts: str | None = None
    keyword: str | None = None
    event: dict[str, Any] | None = None
    action: dict[str, Any] | None = None
    key: str | None = None
    response_url: str | None = None
    # Where a button was clicked, when that is not the incident's channel (a DM, the headline's).
    clicked_in: str | None = None
    # Set for a slash command, a button click: a modal may be opened with it (within 3 s, once).
    trigger_id: str | None = None
    # Set for a modal's submission (`@view_submission`).
    view: dict[str, Any] | None = None
    answered: bool = False
    duplicate: bool = False
    # Set when a notification runs: messages carry its id so a retried send can be recognised.
    notification_id: int | None = None
    last_ts: str | None = None
    # The effects this handler queued (its changes', its messages', its reactions'), in order.
    effects: list[Queued] = field(default_factory=list)
    confirmed: bool = False
    _said: int = 0

    @property
    def change_key(self) -> str | None:
        """The key to pass to a change made through `ctx.incidents` (`key=ctx.change_key`): the same
        on a redelivery, so a repeat changes nothing. (`key` itself marks the delivery as run.)"""
        return f"{self.key}:change" if self.key else None

    @property
    def client(self) -> AsyncWebClient:
        return self.toolkit.client

    @property
    def incidents(self) -> IncidentService:
        return self.toolkit.incidents

    @property
    def doc_url(self) -> str:
        return self.toolkit.doc_url(self.incident.id)

    @property
    def actor(self) -> UserRef:
        if self.user_id is None:
            raise CommandError("This needs a person to act, and there isn't one.")
        return UserRef(self.user_id)

    @property
    def confirmation(self) -> Confirmation | None:
        """The ✅ on the message that ran this, to pass to a change (`confirm=`) so it is stored with it."""
        if self.message_ts and self.channel_id:
            return Confirmation(self.channel_id, self.message_ts, DONE)
        return None

    async def say(self, text: str, *, blocks: Sequence[dict[str, Any]] | None = None) -> str | None:
        """Post in the incident channel (Slack mrkdwn; escape user text with `escape`); returns its ts.

        Posted once however often the handler runs for the same delivery (the n-th `say` of a run
        is recognised by `key` and n). None if Slack has not taken it yet: it is posted later.
        """
        channel = self.channel_id or self.incident.channel_id
        if channel is None:
            raise CommandError(f"Incident {self.incident.id} has no channel yet.")
        if self.notification_id:
            return await self._say_for_notification(channel, text, blocks)
        self._said += 1
        payload = {"channel": channel, "text": text, "blocks": list(blocks) if blocks else None}
        dedupe = f"say:{self.key}:{self._said}" if self.key else None
        effect = await self._queue(Spec(EffectKind.MESSAGE, payload, dedupe_key=dedupe))
        [finished] = await self.toolkit.runner.wait([effect], SAY_WAIT)
        self.answered = True
        ts = (finished.result or {}).get("ts") if finished.status == EffectStatus.DONE else None
        self.last_ts = str(ts) if ts else None
        return self.last_ts

    async def _say_for_notification(
        self, channel: str, text: str, blocks: Sequence[dict[str, Any]] | None
    ) -> str:
        # The notification's own outbox row makes this once; its id in the metadata finds a repeat.
        response = await self.client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=list(blocks) if blocks else None,
            unfurl_links=False,
            metadata=notification_metadata(self.notification_id or 0),
        )
        self.answered = True
        self.last_ts = str(response["ts"])
        return self.last_ts

    async def _queue(self, spec: Spec) -> Effect:
        effects = self.toolkit.effects
        if spec.dedupe_key is None:
            [effect] = await effects.enqueue(
                self.incident.id, [spec], origin_key=self.key, snapshot=self.incident
            )
        else:
            effect, created = await effects.queue_once(
                self.incident.id, spec, origin_key=self.key, snapshot=self.incident
            )
            if not created and effect.status in (EffectStatus.PENDING, EffectStatus.SENDING):
                # An earlier run of this delivery queued it and died before it was done: see it
                # through now (its replica's lease has run out, or this run would not have started).
                await self.toolkit.runner.resume(self.incident.id, spec.lane)
                effect = await effects.by_key(spec.dedupe_key) or effect
        self.effects.append(effect)
        return effect

    async def open_view(self, view: dict[str, Any]) -> str:
        """Open a modal for the person who acted (a slash command or a click: `trigger_id`); its id."""
        if not self.trigger_id:
            raise CommandError("That needs a form, which only `/incident …` or a button can open.")
        opened = await self.client.views_open(trigger_id=self.trigger_id, view=view)
        self.trigger_id = None  # Slack takes a trigger once
        self.answered = True
        return str((opened.get("view") or {}).get("id") or "")

    async def update_view(self, view_id: str, view: dict[str, Any]) -> None:
        """Replace an open modal's content (one opened with `open_view`, say, once data arrived)."""
        await self.client.views_update(view_id=view_id, view=view)

    async def invite(self, slack_ids: Sequence[str]) -> None:
        """Bring people into the incident channel (through the outbox; once per delivery)."""
        if not self.incident.channel_id:
            raise CommandError(f"Incident {self.incident.id} has no channel to invite anyone to yet.")
        people = sorted(set(slack_ids))
        dedupe = f"invite:{self.key}:{','.join(people)}" if self.key else None
        await self._queue(Spec(EffectKind.INVITE_PEOPLE, {"users": people}, dedupe_key=dedupe))

    async def call(self, call: Call) -> None:
        """Make a call to another system (a page, say), through the outbox in its own lane: stored
        now, made at once, retried until it goes through; once per delivery of what ran this."""
        spec = call.spec()
        if self.key:
            spec = replace(spec, dedupe_key=f"call:{self.key}:{call.kind}:{call.key or ''}"[:255])
        await self._queue(spec)

    async def reply(self, text: str, *, blocks: Sequence[dict[str, Any]] | None = None) -> None:
        """A note only the person who acted sees (best effort: it is not retried later)."""
        recipient = Recipient(self.user_id, self.channel_id, self.response_url, self.thread_ts)
        await self.toolkit.replies.tell(recipient, text, blocks=list(blocks) if blocks else None)
        self.answered = True

    async def react(self, name: str) -> None:
        """Add an emoji reaction to the message that triggered this (if there is one), once."""
        if not (self.message_ts and self.channel_id):
            return
        spec = Confirmation(self.channel_id, self.message_ts, name).spec()
        effect, _ = await self.toolkit.effects.queue_once(
            self.incident.id, spec, origin_key=self.key, snapshot=self.incident
        )
        self.effects.append(effect)
        if name == DONE:
            self.confirmed = True

    async def publish(self, change: Change) -> None:
        """Take up a change made through `ctx.incidents`: its effects (headline, topic, notes) are
        already queued with it and are being shown; note a repeat delivery (`duplicate`)."""
        if change.duplicate:
            self.duplicate = True
            return
        self.effects.extend(change.effects)
        self.confirmed = self.confirmed or change.confirmed
        self.incident = change.incident

    async def settle(self, timeout: float = 30.0) -> None:
        """Wait for what this handler's changes show in Slack, where this replica is performing it
        (queued effects come later; calls to other systems go on in their own time)."""
        shown = [e for e in self.effects if e.lane == SLACK_LANE]
        if shown:
            await self.toolkit.runner.wait(shown, timeout)

    async def secret(self, name: str) -> str:
        """A secret stored with `response-bot secrets set` (decrypted on demand; never log it)."""
        return await self.toolkit.vault.get(name)

    async def person(self, slack_id: str) -> UserRef:
        """A Slack user with their profile (is_bot, deleted) looked up if not known yet."""
        return await self.toolkit.person(slack_id)
