"""Makes Slack show what the domain just did: headline posts, confirmations."""

from __future__ import annotations

from collections.abc import Callable

from response_bot.incidents.models import Incident
from response_bot.incidents.service import Change
from response_bot.slack.blocks import headline as headline_blocks
from response_bot.slack.headlines import Headlines
from response_bot.slack.recipients import Recipient, Replies


class Announcer:
    def __init__(self, headlines: Headlines, replies: Replies, doc_url: Callable[[int], str]) -> None:
        self._headlines = headlines
        self._replies = replies
        self._doc_url = doc_url

    async def declared(self, incident: Incident, reporter: Recipient) -> None:
        permalink = await self._headlines.publish(incident)
        text = headline_blocks.declared_confirmation(
            incident, headline_url=permalink, doc_url=self._doc_url(incident.id)
        )
        await self._replies.tell(reporter, text)

    async def changed(self, change: Change) -> None:
        await self._headlines.refresh(change.incident.id)

    async def tell(self, recipient: Recipient, text: str) -> None:
        await self._replies.tell(recipient, text)
