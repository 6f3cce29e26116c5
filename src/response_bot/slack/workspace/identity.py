"""Who the bot is in this workspace, learnt once at start from `auth.test`."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from response_bot.errors import StartupError


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
    """Who the bot token belongs to; a refused token or an unreachable Slack is a one-line startup error."""
    try:
        response = await client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error")
        raise StartupError(f"Slack refused SLACK_BOT_TOKEN ({code}): check the bot token (xoxb-…)") from None
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        raise StartupError(f"cannot reach Slack's Web API at {client.base_url}: {error}") from None
    scopes = response.headers.get("x-oauth-scopes", "") if response.headers else ""
    return Workspace(
        team_id=str(response["team_id"]),
        bot_user_id=str(response["user_id"]),
        bot_id=str(response.get("bot_id") or ""),
        url=str(response.get("url") or "https://slack.com/"),
        scopes=frozenset(s.strip() for s in str(scopes).split(",") if s.strip()),
    )
