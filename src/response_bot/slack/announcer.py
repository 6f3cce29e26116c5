"""Makes Slack show what the domain just did: the channel, the headline, topics, notes in channels."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from response_bot.incidents.fields import IncidentFields
from response_bot.incidents.models import Incident
from response_bot.incidents.service import Change
from response_bot.slack.blocks import channel as channel_blocks
from response_bot.slack.blocks import commands as command_blocks
from response_bot.slack.blocks import headline as headline_blocks
from response_bot.slack.blocks.text import mention
from response_bot.slack.channel_setup import ChannelSetup
from response_bot.slack.errors import describe
from response_bot.slack.headlines import Headlines
from response_bot.slack.recipients import Recipient, Replies

log = logging.getLogger(__name__)


class Announcer:
    def __init__(
        self,
        client: AsyncWebClient,
        headlines: Headlines,
        setup: ChannelSetup,
        replies: Replies,
        doc_url: Callable[[int], str],
        *,
        auto_create_channel: bool,
        nudge: Callable[[], None] = lambda: None,
    ) -> None:
        self._client = client
        self._headlines = headlines
        self._setup = setup
        self._replies = replies
        self._doc_url = doc_url
        self._auto_create_channel = auto_create_channel
        self._nudge = nudge

    def makes_channel_for(self, fields: IncidentFields) -> bool:
        """Whether a declaration like this gets its channel straight away."""
        return fields.private or self._auto_create_channel

    async def declared(self, incident: Incident, reporter: Recipient) -> None:
        """Channel first (so the headline can link it), then the headline, the channel's set-up, the note.

        A declaration stored with the channel claim (`makes_channel_for`) goes straight to Slack, and
        the incident read back when the channel is recorded is the one the headline shows.
        """
        problem, fresh, permalink = None, None, None
        if incident.private or self._auto_create_channel:
            async with self._headlines.exclusive(incident.id):
                try:
                    held = incident.channel_claimed_at is not None
                    fresh = await self._setup.create(incident, claimed=held)
                except Exception as error:  # the incident exists; it must still be announced
                    problem, _ = describe(error)
                if fresh is not None:
                    permalink = await self._publish(fresh, reporter, current=True)
        if fresh is None:
            permalink = await self._publish(incident, reporter)
        if permalink is None:
            return
        incident = fresh or incident
        if incident.channel_id:
            await self._setup.furnish(incident)
        text = headline_blocks.declared_confirmation(
            incident, headline_url=permalink, doc_url=self._doc_url(incident.id)
        )
        if problem:
            text += (
                f"\n⚠️ I couldn't create its channel: {problem} Use *Create incident channel* on the headline."
            )
        await self._replies.tell(reporter, text)

    async def _publish(self, incident: Incident, reporter: Recipient, *, current: bool = False) -> str | None:
        """The headline's permalink; None (and the reporter told) when Slack would not take it."""
        try:
            return await self._headlines.publish(incident, current=current)
        except Exception as error:
            describe(error)  # logged, with a reference if it is unexpected
            await self._replies.tell(
                reporter,
                f"⚠️ Incident {incident.id} is saved, but Slack didn't accept its headline post just now. "
                "I'll post it by myself as soon as Slack lets me; there's no need to declare it again.",
            )
            return None

    async def repair(self, incident: Incident) -> tuple[str, str]:
        """A declaration that was stored but never announced: give it its channel and headline now."""
        if (incident.private or self._auto_create_channel) and not incident.channel_id:
            try:
                created = await self._setup.create(incident)
                if created is not None:
                    incident = created
                    await self._setup.furnish(incident)
            except SlackApiError as error:
                log.warning(
                    "incident %s: channel still not made (%s)", incident.id, error.response.get("error")
                )
        where = await self._headlines.publish_or_find(incident)
        await self._replies.tell(
            Recipient(incident.reporter.slack_id),
            f"✅ Incident {incident.id}'s headline is up now; Slack is answering again.",
        )
        return where

    async def create_channel(self, incident: Incident, requester: Recipient) -> None:
        """The headline's button: make the channel (once), set it up, and show it on the headline."""
        created = await self._setup.create(incident)
        if created is None:
            await self._replies.tell(
                requester, f"Incident {incident.id} already has a channel (or one is being made)."
            )
            return
        await self._headlines.refresh(created.id)
        await self._setup.furnish(created)

    async def changed(self, change: Change, actor_id: str | None = None) -> Incident:
        """Edit the headline in place, keep the topic current, and tell the channel about close/reopen."""
        incident = change.incident
        if not change.any:
            return incident
        if "closed" in change.changed:
            self._nudge()  # the request for the post-incident report is due now
        await self._headlines.refresh(incident.id)
        if incident.channel_id:
            if change.changed & {"title", "status", "closed", "reopened"}:
                await self._best_effort("topic", self._setup.set_topic(incident))
            note = None
            if "closed" in change.changed:
                note = channel_blocks.closed_note(incident, actor_id)
            elif "reopened" in change.changed:
                note = channel_blocks.reopened_note(incident, actor_id)
            if note:
                await self._client.chat_postMessage(channel=incident.channel_id, text=note)
        return incident

    async def text_changed(self, change: Change, field: str, actor_id: str) -> None:
        """A summary or impact changed through a button or modal: say so in the incident channel."""
        incident = await self.changed(change, actor_id)
        if incident.channel_id:
            text = f"📝 {mention(actor_id)} updated the {field}.\n" + command_blocks.text_updated(
                field, getattr(incident, field)
            )
            await self._client.chat_postMessage(channel=incident.channel_id, text=text, unfurl_links=False)

    async def tell(self, recipient: Recipient, text: str) -> None:
        await self._replies.tell(recipient, text)

    async def _best_effort(self, what: str, call: object) -> None:
        try:
            await call  # type: ignore[misc]
        except SlackApiError as error:
            log.warning("could not update the %s: %s", what, error.response.get("error"))
