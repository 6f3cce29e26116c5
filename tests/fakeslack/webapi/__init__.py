"""The Web API methods the bot calls, by method group, with Slack's arguments, scopes and error codes.

Each group module fills its own `METHODS`; `served()` is every group, listed here and nowhere else,
so what the fake serves is read from this file (no module adds methods by being imported).
"""

from __future__ import annotations

from tests.fakeslack.webapi import (
    auth,
    bookmarks,
    chat,
    conversations,
    history,
    reactions,
    usergroups,
    users,
    views,
)
from tests.fakeslack.webapi.methods import Method

GROUPS = (auth, chat, views, conversations, history, bookmarks, reactions, users, usergroups)


def served() -> dict[str, Method]:
    methods: dict[str, Method] = {}
    for group in GROUPS:
        assert not methods.keys() & group.METHODS.keys(), f"{group.__name__} serves a method twice"
        methods.update(group.METHODS)
    return methods
