"""The workspace container: who and what exists, what the app subscribes to, and event fan-out."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fakeslack.model import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    Channel,
    Ephemeral,
    Ids,
    Message,
    ResponseUrl,
    SlackError,
    Trigger,
    User,
    View,
)

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.json"

# Which bot event subscription delivers a message event, by conversation kind.
MESSAGE_SUBSCRIPTION = {"channel": "message.channels", "group": "message.groups", "im": "message.im"}


def manifest_grants() -> tuple[frozenset[str], frozenset[str]]:
    """The bot scopes and bot events the app's manifest asks for."""
    manifest = json.loads(MANIFEST.read_text())
    scopes = frozenset(manifest["oauth_config"]["scopes"]["bot"])
    events = frozenset(manifest["settings"].get("event_subscriptions", {}).get("bot_events", []))
    return scopes, events


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    response: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))


class Workspace:
    def __init__(self, emit: Callable[[dict[str, Any]], None]) -> None:
        self.ids = Ids()
        self.bot_token = f"xoxb-{self.ids.token()}"
        self.app_token = f"xapp-1-{APP_ID}-{self.ids.token()}"
        self.scopes, self.events = manifest_grants()
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.views: dict[str, View] = {}
        self.stacks: dict[str, list[str]] = {}
        self.home_views: dict[str, str] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.ephemerals: list[Ephemeral] = []
        self.calls: list[Call] = []
        # User groups: id (S…) -> (handle, member ids).
        self.usergroups: dict[str, tuple[str, list[str]]] = {}
        self.trigger_ttl = 3.0
        self._emit = emit
        self.users[BOT_USER_ID] = User(BOT_USER_ID, "response", "Response", "Response", is_bot=True)

    # --- lookups --------------------------------------------------------------------------

    def user(self, user_id: str) -> User:
        user = self.users.get(user_id)
        if user is None:
            raise SlackError("user_not_found")
        return user

    def channel(self, channel_id: str, *, for_bot: bool = True) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise SlackError("channel_not_found")
        if for_bot and channel.is_private and BOT_USER_ID not in channel.members:
            raise SlackError("channel_not_found")  # private channels are invisible to non-members
        return channel

    def member_channel(self, channel_id: str) -> Channel:
        """A channel the bot may write to: it exists, is not archived, and the bot is in it."""
        channel = self.channel(channel_id)
        if channel.archived:
            raise SlackError("is_archived")
        if BOT_USER_ID not in channel.members:
            raise SlackError("not_in_channel")
        return channel

    def channel_by_name(self, name: str) -> Channel | None:
        for channel in self.channels.values():
            if channel.name == name and not channel.is_im:
                return channel
        return None

    def im_with(self, user_id: str) -> Channel:
        for channel in self.channels.values():
            if channel.is_im and channel.im_user == user_id:
                return channel
        channel = Channel(self.ids.make("D"), "", is_im=True, im_user=user_id, members={user_id, BOT_USER_ID})
        self.channels[channel.id] = channel
        return channel

    # --- interaction tokens ---------------------------------------------------------------

    def issue_trigger(self, user_id: str) -> str:
        trigger_id = f"{int(time.time())}.{self.ids.make('', 6)}.{self.ids.token()}"
        self.triggers[trigger_id] = Trigger(user_id, time.monotonic())
        return trigger_id

    def use_trigger(self, trigger_id: str) -> Trigger:
        trigger = self.triggers.get(trigger_id)
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if time.monotonic() - trigger.issued > self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    def issue_response_url(
        self, base_url: str, user_id: str, channel_id: str | None, source: Message | Ephemeral | None = None
    ) -> str:
        key = self.ids.token()
        self.response_urls[key] = ResponseUrl(user_id, channel_id, time.monotonic(), source=source)
        return f"{base_url}response_url/{key}"

    # --- messages and events --------------------------------------------------------------

    def add_message(self, channel: Channel, message: Message) -> Message:
        channel.messages.append(message)
        return message

    def event_visible(self, event_name: str, channel: Channel | None) -> bool:
        """Slack sends an event only if subscribed and, for conversation events, the bot is a member."""
        if event_name not in self.events:
            return False
        return channel is None or BOT_USER_ID in channel.members

    def emit_message(self, channel: Channel, event: dict[str, Any]) -> None:
        subscription = MESSAGE_SUBSCRIPTION[channel.kind]
        if self.event_visible(subscription, channel):
            self.emit({**event, "channel": channel.id, "channel_type": channel.kind})

    def emit_edited(self, channel: Channel, message: Message, previous: dict[str, Any]) -> None:
        """The `message_changed` Slack sends after `message` (already edited) was changed."""
        self.emit_message(
            channel,
            {
                "type": "message",
                "subtype": "message_changed",
                "hidden": True,
                "message": message.to_api(),
                "previous_message": previous,
                "ts": self.ids.ts(),
            },
        )

    def rename(self, channel: Channel, name: str) -> None:
        """Rename the channel and send the rename event to whoever may see it."""
        channel.previous_names.append(channel.name)
        channel.name = name
        event_type = "group_rename" if channel.is_private else "channel_rename"
        if self.event_visible(event_type, channel):
            self.emit(
                {"type": event_type, "channel": {"id": channel.id, "name": name, "created": channel.created}}
            )

    def emit(self, event: dict[str, Any]) -> None:
        event.setdefault("event_ts", event.get("ts") or self.ids.ts())
        self._emit(
            {
                "token": "fake-verification-token",
                "team_id": TEAM_ID,
                "context_team_id": TEAM_ID,
                "context_enterprise_id": None,
                "api_app_id": APP_ID,
                "event": event,
                "type": "event_callback",
                "event_id": self.ids.make("Ev", 10),
                "event_time": int(time.time()),
                "authorizations": [
                    {
                        "enterprise_id": None,
                        "team_id": TEAM_ID,
                        "user_id": BOT_USER_ID,
                        "is_bot": True,
                        "is_enterprise_install": False,
                    }
                ],
                "is_ext_shared_channel": False,
                "event_context": f"4-{self.ids.token()}",
            }
        )

    def permalink(self, message: Message) -> str:
        link = f"https://fake-workspace.slack.com/archives/{message.channel}/p{message.ts.replace('.', '')}"
        if message.thread_ts and message.thread_ts != message.ts:
            link += f"?thread_ts={message.thread_ts}&cid={message.channel}"
        return link

    def bot_message_event(self, message: Message) -> dict[str, Any]:
        data = message.to_api()
        data["bot_id"] = BOT_ID
        return data
