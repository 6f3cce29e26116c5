"""Slack's users.info as the source of stored profiles."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from response_bot.users.models import UserRef


class SlackProfiles:
    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def fetch(self, slack_id: str) -> UserRef | None:
        try:
            response = await self._client.users_info(user=slack_id)
        except SlackApiError as error:
            if error.response.get("error") in ("user_not_found", "user_not_visible"):
                return None
            raise
        user = response["user"]
        profile = user.get("profile") or {}
        return UserRef(
            slack_id,
            name=user.get("name") or "",
            real_name=profile.get("real_name") or user.get("real_name") or "",
            display_name=profile.get("display_name") or "",
            is_bot=bool(user.get("is_bot")),
            deleted=bool(user.get("deleted")),
        )

    async def find_by_email(self, email: str) -> str | None:
        try:
            response = await self._client.users_lookupByEmail(email=email)
        except SlackApiError as error:
            if error.response.get("error") == "users_not_found":
                return None
            raise
        user = response["user"]
        return None if user.get("deleted") or user.get("is_bot") else str(user["id"])
