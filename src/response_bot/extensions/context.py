"""What a building block receives: the incident, who acted, and ways to answer in Slack."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from response_bot.errors import UserError
from response_bot.incidents.models import Incident
from response_bot.incidents.proposals import Proposals
from response_bot.incidents.service import Change, IncidentService
from response_bot.slack.recipients import Recipient, Replies
from response_bot.users.models import UserRef
from response_bot.vault.service import Vault

if TYPE_CHECKING:
    from response_bot.extensions.registry import Registry


NOTIFICATION_EVENT = "incident_notification"


def notification_metadata(notification_id: int) -> dict[str, Any]:
    return {"event_type": NOTIFICATION_EVENT, "event_payload": {"notification_id": notification_id}}


class CommandError(UserError):
    """Raise from a building block to tell the person what went wrong; nothing is marked done."""


@dataclass
class Toolkit:
    """The services building blocks use, assembled once by the composition root."""

    client: AsyncWebClient
    incidents: IncidentService
    replies: Replies
    registry: Registry
    bot_user_id: str
    doc_url: Callable[[int], str]
    publish: Callable[[Change, str | None], Awaitable[Incident]]
    person: Callable[[str], Awaitable[UserRef]]
    rename_channel: Callable[[Incident, str], Awaitable[Change]]
    proposals: Proposals
    vault: Vault


@dataclass
class IncidentContext:
    """Handed to every building block as `ctx`.

    - `incident`: the incident (refreshed after `publish`)
    - `user_id`: who acted, if a person did; `channel_id`: the incident's channel, if it has one
    - `args`: a command's text after its name; `text`, `message_ts`: the message that triggered it
    - `keyword`, `event`, `action`: set for keyword, event and action handlers
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
    answered: bool = False
    duplicate: bool = False
    # Set when a notification runs: messages carry its id so a retried send can be recognised.
    notification_id: int | None = None
    last_ts: str | None = None

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

    async def say(self, text: str, *, blocks: Sequence[dict[str, Any]] | None = None) -> str:
        """Post in the incident channel (Slack mrkdwn; escape user text with `escape`); returns the ts."""
        channel = self.channel_id or self.incident.channel_id
        if channel is None:
            raise CommandError(f"Incident {self.incident.id} has no channel yet.")
        metadata = notification_metadata(self.notification_id) if self.notification_id else None
        response = await self.client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=list(blocks) if blocks else None,
            unfurl_links=False,
            metadata=metadata,
        )
        self.answered = True
        self.last_ts = str(response["ts"])
        return self.last_ts

    async def reply(self, text: str, *, blocks: Sequence[dict[str, Any]] | None = None) -> None:
        """A note only the person who acted sees."""
        recipient = Recipient(self.user_id, self.channel_id, self.response_url, self.thread_ts)
        await self.toolkit.replies.tell(recipient, text, blocks=list(blocks) if blocks else None)
        self.answered = True

    async def react(self, name: str) -> None:
        """Add an emoji reaction to the message that triggered this (if there is one)."""
        if not (self.message_ts and self.channel_id):
            return
        try:
            await self.client.reactions_add(channel=self.channel_id, timestamp=self.message_ts, name=name)
        except SlackApiError as error:
            if error.response.get("error") != "already_reacted":
                raise

    async def publish(self, change: Change) -> None:
        """Show a change everywhere it belongs (headline post, channel topic) and note duplicates."""
        if change.duplicate:
            self.duplicate = True
            return
        self.incident = await self.toolkit.publish(change, self.user_id)

    async def secret(self, name: str) -> str:
        """A secret stored with `response-bot secrets set` (decrypted on demand; never log it)."""
        return await self.toolkit.vault.get(name)

    async def person(self, slack_id: str) -> UserRef:
        """A Slack user with their profile (is_bot, deleted) looked up if not known yet."""
        return await self.toolkit.person(slack_id)
