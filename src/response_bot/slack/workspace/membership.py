"""Who is in a channel, from conversations.members, remembered briefly (a bounded cache)."""

from __future__ import annotations

import time
from collections import OrderedDict

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient


class ChannelMembers:
    def __init__(self, client: AsyncWebClient, *, ttl: float = 60.0, max_channels: int = 512) -> None:
        self._client = client
        self._ttl = ttl
        self._max = max_channels
        self._cache: OrderedDict[str, tuple[float, frozenset[str]]] = OrderedDict()

    async def __call__(self, channel_id: str) -> frozenset[str]:
        cached = self._cache.get(channel_id)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            self._cache.move_to_end(channel_id)
            return cached[1]
        members = await self._fetch(channel_id)
        self._cache[channel_id] = (now + self._ttl, members)
        self._cache.move_to_end(channel_id)
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return members

    async def _fetch(self, channel_id: str) -> frozenset[str]:
        found: set[str] = set()
        cursor = None
        while True:
            try:
                response = await self._client.conversations_members(
                    channel=channel_id, limit=1000, cursor=cursor
                )
            except SlackApiError:
                return frozenset()  # can't tell: treat as not a member
            found.update(response.get("members", []))
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return frozenset(found)
