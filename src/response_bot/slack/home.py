"""Publishing the App Home tab for one person: the open incidents they may see."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from response_bot.incidents.models import Incident
from response_bot.incidents.service import IncidentService
from response_bot.slack.blocks import home as blocks


class HomeTab:
    def __init__(
        self, client: AsyncWebClient, incidents: IncidentService, doc_url: Callable[[int], str]
    ) -> None:
        self._client = client
        self._incidents = incidents
        self._doc_url = doc_url

    async def publish(self, user_id: str) -> None:
        visible = [
            i for i in await self._incidents.open_incidents(limit=100) if await self.can_see(i, user_id)
        ]
        await self._client.views_publish(user_id=user_id, view=blocks.home(visible, self._doc_url))

    async def can_see(self, incident: Incident, user_id: str) -> bool:
        """Private incidents are for the people in their channel (and whoever holds a role in them)."""
        if not incident.private:
            return True
        involved = {incident.reporter.slack_id, *(u.slack_id for u in incident.holders.values())}
        if user_id in involved:
            return True
        if not incident.channel_id:
            return False
        cursor = None
        while True:
            try:
                response = await self._client.conversations_members(
                    channel=incident.channel_id, limit=1000, cursor=cursor
                )
            except SlackApiError:
                return False
            if user_id in response.get("members", []):
                return True
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return False
