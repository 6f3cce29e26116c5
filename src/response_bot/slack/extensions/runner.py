"""Running plugins' keyword, event and action handlers with an `IncidentContext`.

Each delivery runs its handlers once: a repeat finds its key taken and only makes sure what the
first run queued is moving. What a handler says, reacts or changes through `ctx` is durable.

- A button click (`@action_handler`) is someone asking for something: if the replica dies while
  its handler runs, a redelivery runs it again once the lease has run out (at least once), and
  what it already said through `ctx` is recognised and not said twice.
- Keyword and event handlers answer the channel's chatter, thousands of messages an hour: they
  run at most once (the key is taken before they run), so a replica dying mid-way skips the rest
  of that one answer rather than making every message cost more.
"""

from __future__ import annotations

import logging
from typing import Any

from response_bot.db.idempotency import Deliveries
from response_bot.errors import UserError
from response_bot.extensions.context import IncidentContext, Toolkit
from response_bot.incidents.models import Incident
from response_bot.incidents.service import IncidentService
from response_bot.slack.metadata import IncidentRef, StaleInteraction

log = logging.getLogger(__name__)


def event_channel(event: dict[str, Any]) -> str | None:
    """Where an event happened: `channel` (an ID or an object), `channel_id`, or the item's channel."""
    channel = event.get("channel")
    if isinstance(channel, dict):
        channel = channel.get("id")
    if not channel:
        channel = event.get("channel_id") or (event.get("item") or {}).get("channel")
    return channel if isinstance(channel, str) else None


class ExtensionRunner:
    def __init__(self, toolkit: Toolkit, incidents: IncidentService, deliveries: Deliveries) -> None:
        self._toolkit = toolkit
        self._incidents = incidents
        self._deliveries = deliveries

    @property
    def registry(self) -> Any:
        return self._toolkit.registry

    async def keywords_in_channel(self, event: dict[str, Any]) -> None:
        incident = await self._incidents.by_channel(event["channel"])
        if incident is not None:
            await self.keywords(incident, event)

    async def keywords(self, incident: Incident, event: dict[str, Any]) -> None:
        """Each matching keyword handler runs once per message, however often Slack delivers it."""
        text = event.get("text") or ""
        matches = list(self._toolkit.registry.matching_keywords(text))
        if not matches:
            return
        key = f"kw:{event['channel']}:{event['ts']}"
        contexts = [
            (keyword.handler, self._context(incident, event, f"{key}#{n}", text=text, keyword=found))
            for n, (keyword, found) in enumerate(matches)
        ]
        await self._at_most_once(key, contexts)

    async def event(
        self, event: dict[str, Any], incident: Incident | None = None, event_id: str | None = None
    ) -> None:
        handlers = self._toolkit.registry.events.get(event.get("type", ""), [])
        if not handlers:
            return
        channel = event_channel(event)
        if incident is None and channel:
            incident = await self._incidents.by_channel(channel)
        if incident is None:
            return  # building blocks act on incidents; events elsewhere are not theirs
        key = f"ev:{event_id or event.get('event_ts') or event.get('ts')}:{event.get('type')}"
        contexts = [
            (handler, self._context(incident, event, f"{key}#{n}", event_payload=event))
            for n, handler in enumerate(handlers)
        ]
        await self._at_most_once(key, contexts)

    async def action(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """A plugin's button, run once per click (a click is known by its action_ts)."""
        handler = self._toolkit.registry.actions[action["action_id"]]
        user = (body.get("user") or {}).get("id", "")
        key = f"act:{action.get('action_ts')}:{action['action_id']}:{user}"
        incident = await self._incident_for_action(body, action)
        ctx = IncidentContext(
            self._toolkit,
            incident,
            user_id=(body.get("user") or {}).get("id"),
            channel_id=incident.channel_id,
            action=action,
            key=key,
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
            clicked_in=_clicked_in(body),
        )
        await self._at_least_once(key, incident, [(handler, ctx)])

    async def view(self, body: dict[str, Any], view: dict[str, Any]) -> None:
        """A plugin's modal submitted: its handler runs before the modal closes (an error it raises
        keeps the form open, shown by the one error handler)."""
        handler = self._toolkit.registry.views[view["callback_id"]]
        incident = await self._incidents.get(IncidentRef.decode(view.get("private_metadata")).incident_id)
        key = f"view:{view['id']}:{view['callback_id']}"
        ctx = IncidentContext(
            self._toolkit,
            incident,
            user_id=(body.get("user") or {}).get("id"),
            channel_id=incident.channel_id,
            view=view,
            key=key,
        )
        # No delivery key here: a submission refused by the handler comes back with the same view
        # id once corrected. What the handler queues through `ctx` is keyed by it, so a repeat of
        # an accepted submission adds nothing.
        await handler(ctx)
        await ctx.settle()

    async def _at_most_once(self, key: str, runs: list[tuple[Any, IncidentContext]]) -> None:
        if not await self._deliveries.claim(key):
            return
        for handler, ctx in runs:
            await self._call(handler, ctx)

    async def _at_least_once(
        self, key: str, incident: Incident, runs: list[tuple[Any, IncidentContext]]
    ) -> None:
        if not await self._deliveries.start(key):
            await self._toolkit.runner.resume(incident.id)
            return
        try:
            for handler, ctx in runs:
                await self._call(handler, ctx)
        except Exception:
            await self._deliveries.finish(key)  # a bug is reported once, not retried
            raise
        # Not finished if cut off (a shutdown, a crash): a redelivery after the lease runs them again.
        await self._deliveries.finish(key)

    async def _incident_for_action(self, body: dict[str, Any], action: dict[str, Any]) -> Incident:
        try:
            return await self._incidents.get(IncidentRef.decode(action.get("value")).incident_id)
        except StaleInteraction:
            channel = _clicked_in(body)
            incident = await self._incidents.by_channel(channel) if channel else None
            if incident is None:
                raise UserError("That button isn't linked to an incident.") from None
            return incident

    def _context(
        self,
        incident: Incident,
        event: dict[str, Any],
        key: str,
        *,
        text: str = "",
        keyword: str | None = None,
        event_payload: dict[str, Any] | None = None,
    ) -> IncidentContext:
        return IncidentContext(
            self._toolkit,
            incident,
            user_id=event.get("user") if isinstance(event.get("user"), str) else None,
            channel_id=incident.channel_id,
            text=text,
            message_ts=event.get("ts"),
            thread_ts=event.get("thread_ts"),
            keyword=keyword,
            event=event_payload,
            key=key,
        )

    async def _call(self, handler: Any, ctx: IncidentContext) -> None:
        try:
            await handler(ctx)
        except UserError as error:
            if ctx.user_id:
                await ctx.reply(f"⚠️ {error.message}")
            else:
                log.warning("%s: %s", handler.__qualname__, error.message)
        await ctx.settle()


def _clicked_in(body: dict[str, Any]) -> str | None:
    return (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")
