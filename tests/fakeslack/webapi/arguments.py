"""Reading a Web API call's arguments the way Slack does, and the scopes a call needs by the kind of
channel it names: shared by every method group."""

from __future__ import annotations

import re

from tests.fakeslack.model import SlackError
from tests.fakeslack.state import Workspace
from tests.fakeslack.webapi.methods import Args, Scopes

CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")
TEXT_MAX = 40000


def required(args: Args, *names: str) -> None:
    for name in names:
        if args.get(name) in (None, ""):
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
            )


def flag(args: Args, name: str) -> bool:
    return str(args.get(name, "")).lower() in ("1", "true")


def by_kind(public: tuple[str, ...], private: tuple[str, ...]) -> Scopes:
    def scopes(workspace: Workspace, args: Args) -> tuple[str, ...]:
        channel = workspace.channels.get(str(args.get("channel") or args.get("channel_id") or ""))
        if args.get("is_private") is not None:
            return private if flag(args, "is_private") else public
        return private if channel is not None and channel.is_private else public

    return scopes
