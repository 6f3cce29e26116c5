"""Who the bot is in this workspace, learnt once at start from `auth.test`."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient


@dataclass(frozen=True)
class Workspace:
    team_id: str
    bot_user_id: str
    bot_id: str
    url: str
    scopes: frozenset[str]

    def permalink(self, channel_id: str, ts: str, thread_ts: str | None = None) -> str:
        """Slack's permalink format, built locally so no `chat.getPermalink` call is needed."""
        link = f"{self.url.rstrip('/')}/archives/{channel_id}/p{ts.replace('.', '')}"
        if thread_ts and thread_ts != ts:
            link += f"?thread_ts={thread_ts}&cid={channel_id}"
        return link


async def identify(client: AsyncWebClient) -> Workspace:
    response = await client.auth_test()
    scopes = response.headers.get("x-oauth-scopes", "") if response.headers else ""
    return Workspace(
        team_id=str(response["team_id"]),
        bot_user_id=str(response["user_id"]),
        bot_id=str(response.get("bot_id") or ""),
        url=str(response.get("url") or "https://slack.com/"),
        scopes=frozenset(s.strip() for s in str(scopes).split(",") if s.strip()),
    )
