"""Making and keeping the incident channel: create, invite, topic, bookmark, welcome, rename."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from response_bot.errors import UserError
from response_bot.incidents.channels import IncidentChannels
from response_bot.incidents.models import Incident
from response_bot.incidents.service import Change
from response_bot.slack import naming
from response_bot.slack.blocks import channel as blocks
from response_bot.slack.ids import MetadataEvent
from response_bot.slack.workspace import Workspace

log = logging.getLogger(__name__)


class ChannelSetup:
    def __init__(
        self,
        client: AsyncWebClient,
        channels: IncidentChannels,
        workspace: Workspace,
        doc_url: Callable[[int], str],
        invitees: Sequence[str] = (),
    ) -> None:
        self._client = client
        self._channels = channels
        self._workspace = workspace
        self._doc_url = doc_url
        self._invitees = tuple(invitees)

    async def create(self, incident: Incident, *, claimed: bool = False) -> Incident | None:
        """Create the channel once; None when it already has one or another worker is making it.

        `claimed`: the caller already holds the claim (it came with the declaration). Returns the
        incident as stored once the channel is recorded.
        """
        if not claimed and not await self._channels.claim(incident.id):
            return None
        try:
            channel_id, name = await self._create_conversation(incident)
        except BaseException:
            await self._channels.release(incident.id)
            raise
        return await self._channels.attach(incident.id, channel_id, name)

    async def _create_conversation(self, incident: Incident) -> tuple[str, str]:
        # A taken name belongs to someone else: never join or unarchive it, pick another.
        for name in [
            *naming.candidates(incident.id, incident.title),
            naming.channel_name(incident.id, incident.title, secrets.token_hex(2)),
        ]:
            try:
                response = await self._client.conversations_create(name=name, is_private=incident.private)
            except SlackApiError as error:
                if error.response.get("error") == "name_taken":
                    continue
                raise
            channel = response["channel"]
            return str(channel["id"]), str(channel["name"])
        raise UserError("Every channel name I tried for this incident is taken. Rename one and try again.")

    async def furnish(self, incident: Incident) -> None:
        """Invite people, set the topic, bookmark the doc and say hello. Each step is best effort."""
        assert incident.channel_id is not None
        people = [incident.reporter.slack_id]
        if incident.lead is not None:
            people.append(incident.lead.slack_id)
        people += self._invitees
        wanted = [p for p in dict.fromkeys(people) if p != self._workspace.bot_user_id]
        steps = [
            (
                "invite",
                self._client.conversations_invite(channel=incident.channel_id, users=wanted, force=True),
            ),
            ("topic", self.set_topic(incident)),
            (
                "bookmark",
                self._client.bookmarks_add(
                    channel_id=incident.channel_id,
                    title="Incident doc",
                    type="link",
                    link=self._doc_url(incident.id),
                    emoji=":page_facing_up:",
                ),
            ),
        ]
        for what, call in steps:
            try:
                await call
            except SlackApiError as error:
                log.warning(
                    "incident %s channel %s: %s failed (%s)",
                    incident.id,
                    incident.channel_id,
                    what,
                    error.response.get("error"),
                )
        welcome = blocks.welcome(
            incident, doc_url=self._doc_url(incident.id), bot_user_id=self._workspace.bot_user_id
        )
        await self._client.chat_postMessage(
            channel=incident.channel_id,
            text=welcome.text,
            blocks=welcome.blocks,
            metadata={"event_type": MetadataEvent.WELCOME, "event_payload": {"incident_id": incident.id}},
            unfurl_links=False,
        )

    async def set_topic(self, incident: Incident) -> None:
        if incident.channel_id:
            await self._client.conversations_setTopic(
                channel=incident.channel_id, topic=blocks.topic(incident, self._doc_url(incident.id))
            )

    async def rename(self, incident: Incident, wanted: str) -> Change:
        if not incident.channel_id:
            raise UserError(f"Incident {incident.id} has no channel to rename yet.")
        if not naming.slug(wanted):
            raise UserError("Give the channel a name with some letters or digits: `rename db-failover`.")
        name = naming.channel_name(incident.id, wanted)
        try:
            await self._client.conversations_rename(channel=incident.channel_id, name=name)
        except SlackApiError as error:
            if error.response.get("error") == "name_taken":
                raise UserError(f"#{name} is already taken; pick another name.") from None
            raise
        change = await self._channels.renamed(incident.channel_id, name)
        return change or Change(incident)
