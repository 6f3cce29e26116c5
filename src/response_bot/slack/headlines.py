"""Posting the headline post once and editing it in place on every change."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Sequence

from slack_sdk.web.async_client import AsyncWebClient

from response_bot.extensions.registry import HeadlineButton
from response_bot.incidents.models import Incident
from response_bot.incidents.service import IncidentService
from response_bot.slack.blocks import headline as blocks
from response_bot.slack.blocks.text import Block
from response_bot.slack.ids import MetadataEvent
from response_bot.slack.metadata import IncidentRef
from response_bot.slack.workspace import Workspace

log = logging.getLogger(__name__)


class Headlines:
    def __init__(
        self,
        client: AsyncWebClient,
        incidents: IncidentService,
        workspace: Workspace,
        channel_id: str,
        doc_url: Callable[[int], str],
        extra_buttons: Sequence[HeadlineButton] = (),
    ) -> None:
        self._client = client
        self._incidents = incidents
        self._workspace = workspace
        self.channel_id = channel_id
        self._doc_url = doc_url
        self._extra_buttons = tuple(extra_buttons)
        # One render at a time per incident, so an older snapshot never overwrites a newer one.
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, incident_id: int) -> asyncio.Lock:
        lock = self._locks.get(incident_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[incident_id] = lock
        return lock

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

    def render(self, incident: Incident) -> blocks.Message:
        return blocks.headline(incident, doc_url=self._doc_url(incident.id), buttons=self.buttons(incident))

    def exclusive(self, incident_id: int) -> asyncio.Lock:
        """Held while this incident's headline is posted or edited; see `publish(current=True)`."""
        return self._lock(incident_id)

    async def publish(self, incident: Incident, *, current: bool = False) -> str:
        """Post the headline (once) and return its permalink.

        `current`: the caller holds `exclusive(incident.id)` and read `incident` while holding it,
        so it is up to date and nobody else can post meanwhile; otherwise it is read again here.
        """
        if current:
            return await self._post_once(incident)
        async with self._lock(incident.id):
            return await self._post_once(await self._incidents.get(incident.id))

    async def _post_once(self, current: Incident) -> str:
        if current.headline_ts and current.headline_channel_id:
            return self._workspace.permalink(current.headline_channel_id, current.headline_ts)
        message = self.render(current)
        response = await self._client.chat_postMessage(
            channel=self.target(current),
            text=message.text,
            blocks=message.blocks,
            metadata=message.metadata,
            unfurl_links=False,
            unfurl_media=False,
        )
        ts = str(response["ts"])
        channel = str(response["channel"])
        await self._incidents.record_headline(current.id, channel, ts)
        return self._workspace.permalink(channel, ts)

    async def find_posted(self, incident: Incident) -> tuple[str, str] | None:
        """A headline an earlier attempt posted without recording it (found by its metadata)."""
        channel = self.target(incident)
        if channel.startswith(("U", "W")):
            return None  # a DM fallback: nothing to search
        since = incident.declared_at.timestamp() - 5
        response = await self._client.conversations_history(
            channel=channel, oldest=f"{since:.6f}", include_all_metadata=True, limit=200
        )
        messages: list[dict[str, object]] = response.get("messages", [])
        for message in messages:
            metadata = message.get("metadata")
            if isinstance(metadata, dict) and metadata.get("event_type") == MetadataEvent.HEADLINE:
                payload = metadata.get("event_payload") or {}
                if isinstance(payload, dict) and payload.get("incident_id") == incident.id:
                    return channel, str(message["ts"])
        return None

    async def publish_or_find(self, incident: Incident) -> tuple[str, str]:
        """Make sure the headline exists exactly once; returns where it is."""
        found = await self.find_posted(incident)
        if found is not None:
            await self._incidents.record_headline(incident.id, *found)
            return found
        await self.publish(incident)
        current = await self._incidents.get(incident.id)
        assert current.headline_channel_id and current.headline_ts
        return current.headline_channel_id, current.headline_ts

    async def refresh(self, incident_id: int) -> None:
        """Edit the headline to show the incident as it is now (posting it if it never was)."""
        async with self._lock(incident_id):
            incident = await self._incidents.get(incident_id)
            if not (incident.headline_ts and incident.headline_channel_id):
                needs_post = True
            else:
                needs_post = False
                message = self.render(incident)
                await self._client.chat_update(
                    channel=incident.headline_channel_id,
                    ts=incident.headline_ts,
                    text=message.text,
                    blocks=message.blocks,
                    metadata=message.metadata,
                )
        if needs_post:
            await self.publish(incident)
