"""The fake workspace's state: users, conversations, messages, views, triggers."""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

TEAM_ID = "T0FAKE001"
TEAM_DOMAIN = "fake-workspace"
APP_ID = "A0FAKEAPP"
BOT_ID = "B0FAKEBOT"
BOT_USER_ID = "U0FAKEBOT"
WORKSPACE_URL = f"https://{TEAM_DOMAIN}.slack.com/"


class SlackError(Exception):
    """A Web API error: `{"ok": false, "error": code}` with HTTP 200 unless `status` says otherwise."""

    def __init__(self, code: str, status: int = 200, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.extra = extra


@dataclass
class User:
    id: str
    name: str
    real_name: str = ""
    display_name: str = ""
    is_bot: bool = False
    deleted: bool = False
    email: str = ""

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "profile": {
                "real_name": self.real_name,
                "display_name": self.display_name,
                "real_name_normalized": self.real_name,
                "display_name_normalized": self.display_name,
                "email": self.email,
            },
        }


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    user: str | None = None
    blocks: list[dict[str, Any]] = field(default_factory=list)
    bot_id: str | None = None
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    subtype: str | None = None
    edited: dict[str, Any] | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    deleted: bool = False
    pinned: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text, "team": TEAM_ID}
        if self.user:
            data["user"] = self.user
        if self.blocks:
            data["blocks"] = self.blocks
        if self.bot_id:
            data["bot_id"] = self.bot_id
            data["app_id"] = APP_ID
            data["bot_profile"] = {"id": BOT_ID, "app_id": APP_ID, "name": "response", "team_id": TEAM_ID}
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if self.subtype:
            data["subtype"] = self.subtype
        if self.edited:
            data["edited"] = self.edited
        if self.reactions:
            data["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in self.reactions.items()
            ]
        if self.pinned:
            data["pinned_to"] = [self.channel]
        return data

    def button(self, action_id: str, nth: int = 0) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The (block, element) of the `nth` clickable element with this action id (one per block)."""
        return find_element(self.blocks, action_id, nth)


def find_element(
    blocks: list[dict[str, Any]], action_id: str, nth: int = 0
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    for block in blocks:
        elements = list(block.get("elements", [])) if block.get("type") == "actions" else []
        if block.get("accessory"):
            elements.append(block["accessory"])
        if block.get("type") == "input" and block.get("element"):
            elements.append(block["element"])
        for element in elements:
            if element.get("action_id") == action_id:
                if nth == 0:
                    return block, element
                nth -= 1
    return None


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    creator: str = ""
    created: int = field(default_factory=lambda: int(time.time()))
    members: set[str] = field(default_factory=set)
    archived: bool = False
    topic: str = ""
    purpose: str = ""
    previous_names: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    bookmarks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.is_im:
            return "im"
        return "group" if self.is_private else "channel"

    def to_api(self, viewer: str = BOT_USER_ID) -> dict[str, Any]:
        if self.is_im:
            return {"id": self.id, "is_im": True, "user": self.im_user, "created": self.created}
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": False,
            "is_im": False,
            "is_private": self.is_private,
            "is_archived": self.archived,
            "is_general": False,
            "is_member": viewer in self.members,
            "created": self.created,
            "creator": self.creator,
            "previous_names": list(self.previous_names),
            "topic": {"value": self.topic, "creator": "", "last_set": 0},
            "purpose": {"value": self.purpose, "creator": "", "last_set": 0},
            "num_members": len(self.members),
        }

    def message(self, ts: str) -> Message | None:
        for message in self.messages:
            if message.ts == ts and not message.deleted:
                return message
        return None


@dataclass
class View:
    id: str
    user_id: str
    payload: dict[str, Any]
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return str(self.payload.get("type"))

    @property
    def callback_id(self) -> str:
        return str(self.payload.get("callback_id", ""))

    @property
    def title(self) -> str:
        return str((self.payload.get("title") or {}).get("text", ""))

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return list(self.payload.get("blocks", []))

    def input(self, block_id: str) -> dict[str, Any] | None:
        for block in self.blocks:
            if block.get("type") == "input" and block.get("block_id") == block_id:
                return dict(block["element"])
        return None

    def to_api(self) -> dict[str, Any]:
        data = {
            "id": self.id,
            "team_id": TEAM_ID,
            "type": self.type,
            "blocks": self.blocks,
            "private_metadata": self.payload.get("private_metadata", ""),
            "callback_id": self.callback_id,
            "state": {"values": self.values},
            "hash": self.hash,
            "title": self.payload.get("title"),
            "clear_on_close": bool(self.payload.get("clear_on_close", False)),
            "notify_on_close": bool(self.payload.get("notify_on_close", False)),
            "close": self.payload.get("close"),
            "submit": self.payload.get("submit"),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id,
            "app_id": APP_ID,
            "external_id": self.payload.get("external_id", ""),
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        return data


@dataclass
class Ephemeral:
    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    via: str = "api"


@dataclass
class Trigger:
    user_id: str
    issued: float
    used: bool = False


@dataclass
class ResponseUrl:
    user_id: str
    channel_id: str | None
    issued: float
    uses: int = 0
    # The message a button was clicked on, which replace_original / delete_original change.
    source: Message | Ephemeral | None = None


class Ids:
    """Slack-shaped identifiers and message timestamps that only ever increase."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._last_ts = 0.0

    def make(self, prefix: str, width: int = 9) -> str:
        return f"{prefix}{next(self._counter):0{width}d}"

    def ts(self) -> str:
        now = max(time.time(), self._last_ts + 0.000001)
        self._last_ts = now
        return f"{now:.6f}"

    @staticmethod
    def token() -> str:
        return secrets.token_hex(12)
