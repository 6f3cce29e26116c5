"""Publishing the App Home tab for one person: the open incidents they may see."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk.web.async_client import AsyncWebClient

from response_bot.incidents.service import IncidentService
from response_bot.incidents.visibility import MembersOf, can_see
from response_bot.slack.blocks import home as blocks


class HomeTab:
    def __init__(
        self,
        client: AsyncWebClient,
        incidents: IncidentService,
        members_of: MembersOf,
        doc_url: Callable[[int], str],
    ) -> None:
        self._client = client
        self._incidents = incidents
        self._members_of = members_of
        self._doc_url = doc_url

    async def publish(self, user_id: str) -> None:
        """Open incidents; private ones only for people in their channel."""
        candidates = await self._incidents.open_incidents(limit=100)
        visible = [i for i in candidates if await can_see(i, user_id, self._members_of)]
        await self._client.views_publish(user_id=user_id, view=blocks.home(visible, self._doc_url))
