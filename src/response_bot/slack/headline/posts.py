"""The headline post: posted once (found again rather than repeated) and edited in place."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient

from response_bot.extensions.registry import HeadlineButton
from response_bot.incidents.models import Incident
from response_bot.slack.blocks import headline as blocks
from response_bot.slack.blocks.text import Block, Message
from response_bot.slack.ids import MetadataEvent
from response_bot.slack.metadata import IncidentRef
from response_bot.slack.transport.messages import find_in_history
from response_bot.slack.workspace.identity import Workspace

log = logging.getLogger(__name__)


class Headlines:
    def __init__(
        self,
        client: AsyncWebClient,
        workspace: Workspace,
        channel_id: str,
        doc_url: Callable[[int], str],
        extra_buttons: Sequence[HeadlineButton] = (),
        tally: Callable[[int], Awaitable[tuple[int, int]]] | None = None,
    ) -> None:
        self._client = client
        # (done, total) follow-ups: a closed incident's headline says how many are done.
        self._tally = tally
        self._workspace = workspace
        self.channel_id = channel_id
        self._doc_url = doc_url
        self._extra_buttons = tuple(extra_buttons)

    def buttons(self, incident: Incident) -> list[Block]:
        """Built-in and extension buttons, in order; an extension that fails loses only its button."""
        ordered = blocks.core_buttons(incident, IncidentRef(incident_id=incident.id).encode())
        for extra in self._extra_buttons:
            try:
                element = extra.handler(incident)
            except Exception:
                log.exception("headline button %s failed", extra.handler.__qualname__)
                continue
            if element:
                ordered.append((extra.order, element))
        return [element for _, element in sorted(ordered, key=lambda pair: pair[0])]

    def target(self, incident: Incident) -> str:
        """Public incidents are announced in the incidents channel; private ones only in their own."""
        if not incident.private:
            return self.channel_id
        return incident.channel_id or incident.reporter.slack_id

    def render(self, incident: Incident, followups: tuple[int, int] | None = None) -> Message:
        return blocks.headline(
            incident, doc_url=self._doc_url(incident.id), buttons=self.buttons(incident), followups=followups
        )

    async def _followups(self, incident: Incident) -> tuple[int, int] | None:
        return await self._tally(incident.id) if self._tally is not None and not incident.is_open else None

    def permalink(self, channel_id: str, ts: str) -> str:
        return self._workspace.permalink(channel_id, ts)

    async def post(self, incident: Incident) -> tuple[str, str]:
        message = self.render(incident, await self._followups(incident))
        response = await self._client.chat_postMessage(
            channel=self.target(incident),
            text=message.text,
            blocks=message.blocks,
            metadata=message.metadata,
            unfurl_links=False,
            unfurl_media=False,
        )
        return str(response["channel"]), str(response["ts"])

    async def find_posted(self, incident: Incident, since: datetime) -> tuple[str, str] | None:
        """A headline an earlier attempt posted without recording it (found by its metadata)."""
        channel = self.target(incident)
        if channel.startswith(("U", "W")):
            return None  # a DM fallback: nothing to search
        found = await find_in_history(
            self._client,
            channel,
            since - timedelta(seconds=5),
            lambda event_type, payload: (
                event_type == MetadataEvent.HEADLINE and payload.get("incident_id") == incident.id
            ),
        )
        return (channel, found) if found else None

    async def edit(self, incident: Incident) -> None:
        """Show the incident as it is now; nothing to do before the headline is posted."""
        if not (incident.headline_ts and incident.headline_channel_id):
            return
        message = self.render(incident, await self._followups(incident))
        await self._client.chat_update(
            channel=incident.headline_channel_id,
            ts=incident.headline_ts,
            text=message.text,
            blocks=message.blocks,
            metadata=message.metadata,
        )
