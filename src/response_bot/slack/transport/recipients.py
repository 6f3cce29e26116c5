"""Telling the person who acted: through the response URL, an ephemeral message, or a DM.

`Recipient` (where a reply can go) belongs to the extension runtime, which answers people through
the `Replier` it is given; this is Slack's implementation, and the reading of a payload into one.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from response_bot.extensions.replies import Recipient

log = logging.getLogger(__name__)


def recipient_of(body: dict[str, Any]) -> Recipient:
    """Who acted in a payload (event, command, action, submission) and where a reply can reach them."""
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else body.get("user_id")
    raw_event = body.get("event")
    event: dict[str, Any] = raw_event if isinstance(raw_event, dict) else {}
    if event:
        user_id = event.get("user", user_id)
    channel = body.get("channel")
    channel_id = (
        channel.get("id") if isinstance(channel, dict) else body.get("channel_id") or event.get("channel")
    )
    container = body.get("container") or {}
    if not channel_id and isinstance(container, dict):
        channel_id = container.get("channel_id")
    response_url = body.get("response_url")
    if not response_url:
        urls = body.get("response_urls") or []
        response_url = urls[0].get("response_url") if urls and isinstance(urls[0], dict) else None
    thread_ts = event.get("thread_ts") if event else None
    return Recipient(user_id=user_id, channel_id=channel_id, response_url=response_url, thread_ts=thread_ts)


class Replies:
    """Sends a private note to one user, choosing the best route Slack offers for the interaction."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def tell(
        self, recipient: Recipient, text: str, *, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        if recipient.response_url:
            webhook = AsyncWebhookClient(
                recipient.response_url, session=self._client.session, timeout=self._client.timeout
            )
            response = await webhook.send(
                text=text, blocks=blocks, response_type="ephemeral", replace_original=False
            )
            if response.status_code == 200:
                return
            log.warning("response_url answered %s; falling back", response.status_code)
        if recipient.user_id and recipient.channel_id:
            try:
                await self._client.chat_postEphemeral(
                    channel=recipient.channel_id,
                    user=recipient.user_id,
                    text=text,
                    blocks=blocks,
                    thread_ts=recipient.thread_ts,
                )
                return
            except SlackApiError as error:
                log.info("ephemeral reply failed (%s); sending a DM", error.response.get("error"))
        if recipient.user_id:
            await self._client.chat_postMessage(channel=recipient.user_id, text=text, blocks=blocks)

    async def replace(self, response_url: str, text: str) -> None:
        """Replace the message a button was clicked on (an ephemeral prompt, say) with `text`."""
        webhook = AsyncWebhookClient(response_url, session=self._client.session, timeout=self._client.timeout)
        await webhook.send(text=text, replace_original=True)
