"""Making and keeping the incident channel: create (or adopt), invite, topic, bookmark, welcome, rename.

Each step is safe to repeat: a retry after a crash recognises the channel it made, an identical
topic, an existing bookmark and a welcome already posted, and does them no second time.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from response_bot.errors import UserError
from response_bot.incidents.channels import IncidentChannels
from response_bot.incidents.models import Incident
from response_bot.incidents.service import Change
from response_bot.outcomes import GiveUp
from response_bot.slack.blocks import channel as blocks
from response_bot.slack.channel import naming
from response_bot.slack.ids import MetadataEvent
from response_bot.slack.transport.messages import find_in_history
from response_bot.slack.workspace.channels import find_channel
from response_bot.slack.workspace.identity import Workspace

log = logging.getLogger(__name__)
# Slack's `created` is whole seconds from Slack's clock: allow for that when matching our own channel.
CLOCK_SLACK = timedelta(seconds=60)


class AllNamesTaken(UserError):
    def __init__(self) -> None:
        super().__init__("Every channel name I tried for this incident is taken. Rename one and try again.")


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

    # --- making it --------------------------------------------------------------------------

    async def create(self, incident: Incident, title: str, *, private: bool) -> tuple[str, str]:
        """A new channel for the incident; a taken name belongs to someone else: pick another."""
        for name in [
            *naming.candidates(incident.id, title, drill=incident.drill),
            naming.channel_name(incident.id, title, secrets.token_hex(2), drill=incident.drill),
        ]:
            try:
                response = await self._client.conversations_create(name=name, is_private=private)
            except SlackApiError as error:
                if error.response.get("error") == "name_taken":
                    continue
                raise
            channel = response["channel"]
            return str(channel["id"]), str(channel["name"])
        raise AllNamesTaken()

    async def find_made(self, incident: Incident, since: datetime) -> tuple[str, str] | None:
        """A channel an earlier attempt made for this incident but never recorded.

        Ours if the bot created it, after that attempt started, under one of this incident's names
        (`inc-<id>-…`). One a person made, or one left from an earlier database, is never adopted.
        """
        prefix = f"inc-{incident.id}"
        not_before = (since - CLOCK_SLACK).timestamp()
        cursor = None
        while True:
            response = await self._client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=1000, cursor=cursor
            )
            listed: list[dict[str, Any]] = response.get("channels", [])
            for channel in listed:
                name = str(channel.get("name", ""))
                if (
                    channel.get("creator") == self._workspace.bot_user_id
                    and (name == prefix or name.startswith(prefix + "-"))
                    and float(channel.get("created") or 0) >= not_before
                ):
                    return str(channel["id"]), name
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    # --- setting it up -----------------------------------------------------------------------

    async def invite(self, incident: Incident) -> None:
        """The reporter, the lead and the configured people; whoever is in already is skipped."""
        assert incident.channel_id is not None
        people = [incident.reporter.slack_id]
        if incident.lead is not None:
            people.append(incident.lead.slack_id)
        people += self._invitees
        await self.invite_people(incident.channel_id, people)

    async def postable(self, name: str) -> str:
        """The ID of a channel given by name (`#exec-incidents`), joined if it is public and the bot
        is not in it yet; GiveUp, saying what to do, if it can't be posted in."""
        found = await find_channel(self._client, name.lstrip("#"))
        if found is None:
            raise GiveUp(f"there is no channel {name}: create it, or fix the rule")
        if not found.get("is_member"):
            if found.get("is_private"):
                raise GiveUp(f"{name} is private and the bot is not in it: invite the bot")
            await self._client.conversations_join(channel=found["id"])
        return str(found["id"])

    async def group_members(self, group: str) -> list[str]:
        """The members of a user group, by id (S…) or handle (@payments-oncall)."""
        group_id = group
        if group.startswith("@"):
            listed = await self._client.usergroups_list()
            found = [g for g in listed.get("usergroups") or [] if g.get("handle") == group[1:]]
            if not found:
                raise GiveUp(f"there is no user group {group}: fix the rule")
            group_id = str(found[0]["id"])
        try:
            response = await self._client.usergroups_users_list(usergroup=group_id)
        except SlackApiError as error:
            if error.response.get("error") == "no_such_subteam":
                raise GiveUp(f"there is no user group {group}: fix the rule") from None
            raise
        return [str(u) for u in response.get("users") or []]

    async def invite_people(self, channel_id: str, people: list[str]) -> None:
        """Bring people into the channel; whoever is in already is skipped."""
        wanted = [p for p in dict.fromkeys(people) if p != self._workspace.bot_user_id]
        if not wanted:
            return
        try:
            await self._client.conversations_invite(channel=channel_id, users=wanted, force=True)
        except SlackApiError as error:
            # With force, Slack reports per person; only a whole-call refusal lands here.
            if error.response.get("error") not in ("already_in_channel", "cant_invite_self"):
                raise

    def topic_for(self, incident: Incident) -> str:
        return blocks.topic(incident, self._doc_url(incident.id))

    async def set_topic(self, incident: Incident, *, check_first: bool = False) -> None:
        """Set the topic; `check_first`: leave it alone if it already says this (no second notice)."""
        if not incident.channel_id:
            return
        wanted = self.topic_for(incident)
        if check_first:
            info = await self._client.conversations_info(channel=incident.channel_id)
            if ((info.get("channel") or {}).get("topic") or {}).get("value") == wanted:
                return
        await self._client.conversations_setTopic(channel=incident.channel_id, topic=wanted)

    async def bookmark(self, incident: Incident, *, check_first: bool = False) -> None:
        """The doc page, and the call if the incident has one, bookmarked in its channel."""
        assert incident.channel_id is not None
        marks = [("Incident doc", self._doc_url(incident.id), ":page_facing_up:")]
        if incident.call_url:
            marks.append(("Call", incident.call_url, ":telephone_receiver:"))
        await self._bookmark(incident.channel_id, marks, check_first=check_first)

    async def bookmark_call(self, incident: Incident) -> None:
        """The call alone (it arrived late); the channel's set-up may have bookmarked it already."""
        if incident.channel_id and incident.call_url:
            marks = [("Call", incident.call_url, ":telephone_receiver:")]
            await self._bookmark(incident.channel_id, marks, check_first=True)

    async def _bookmark(
        self, channel_id: str, marks: list[tuple[str, str, str]], *, check_first: bool
    ) -> None:
        present: set[str] = set()
        if check_first:
            existing = await self._client.bookmarks_list(channel_id=channel_id)
            found: list[dict[str, Any]] = existing.get("bookmarks", [])
            present = {str(b.get("link")) for b in found}
        for title, link, emoji in marks:
            if link not in present:
                await self._client.bookmarks_add(
                    channel_id=channel_id, title=title, type="link", link=link, emoji=emoji
                )

    async def welcome(self, incident: Incident, *, posted_since: datetime | None = None) -> None:
        """Say hello once; `posted_since`: an earlier attempt may have, so look for it first."""
        assert incident.channel_id is not None
        if posted_since is not None:
            found = await find_in_history(
                self._client,
                incident.channel_id,
                posted_since - timedelta(seconds=5),
                lambda event_type, payload: (
                    event_type == MetadataEvent.WELCOME and payload.get("incident_id") == incident.id
                ),
            )
            if found:
                return
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

    # --- renaming (a command: Slack first, then the record) ---------------------------------------

    async def rename(self, incident: Incident, wanted: str) -> Change:
        if not incident.channel_id:
            raise UserError(f"Incident {incident.id} has no channel to rename yet.")
        if not naming.slug(wanted):
            raise UserError("Give the channel a name with some letters or digits: `rename db-failover`.")
        name = naming.channel_name(incident.id, wanted, drill=incident.drill)
        try:
            await self._client.conversations_rename(channel=incident.channel_id, name=name)
        except SlackApiError as error:
            if error.response.get("error") == "name_taken":
                raise UserError(f"#{name} is already taken; pick another name.") from None
            raise
        change = await self._channels.renamed(incident.channel_id, name)
        return change or Change(incident)
