"""Sending notifications to Slack, and finding one that may already have been sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from response_bot.extensions.context import IncidentContext, Toolkit, notification_metadata
from response_bot.incidents.models import Incident
from response_bot.notifications import rules
from response_bot.notifications.service import Claimed
from response_bot.outcomes import GiveUp
from response_bot.slack.blocks import notifications as texts
from response_bot.slack.outbox.failures import slack_call
from response_bot.slack.transport.messages import find_in_history, is_notification


class Notifier:
    def __init__(
        self,
        client: AsyncWebClient,
        toolkit: Toolkit,
        *,
        report_url: Callable[[int], str],
        doc_url: Callable[[int], str],
    ) -> None:
        # This client never retries by itself: the outbox decides, so nothing sleeps on a lease.
        self._client = client
        self._toolkit = replace(toolkit, client=client)
        self._report_url = report_url
        self._doc_url = doc_url

    async def send(self, claimed: Claimed, late_by: timedelta | None) -> tuple[str | None, str | None]:
        async with slack_call():
            return await self._send(claimed, late_by)

    async def _send(self, claimed: Claimed, late_by: timedelta | None) -> tuple[str | None, str | None]:
        incident, row = claimed.incident, claimed.row
        metadata = notification_metadata(row.id)
        if row.kind.startswith(rules.PLUGIN_PREFIX):
            handler = self._plugin(row.kind)
            ctx = IncidentContext(
                self._toolkit, incident, channel_id=incident.channel_id, notification_id=row.id
            )
            await handler(ctx)
            return incident.channel_id, ctx.last_ts
        channel: str | None
        if row.kind == rules.REPORT:
            channel = await self._dm_channel(incident)
            text = texts.report_request(
                incident, report_url=self._report_url(incident.id), doc_url=self._doc_url(incident.id)
            )
        else:
            channel = incident.channel_id
            since = _since_update(claimed)
            text = texts.reminder(row.kind, incident, self._toolkit.bot_user_id, since_update=since)
        if late_by is not None:
            text = texts.late(text, late_by)
        if channel is None:
            raise GiveUp("the incident has no channel")
        response = await self._client.chat_postMessage(
            channel=channel, text=text, metadata=metadata, unfurl_links=False
        )
        return str(response["channel"]), str(response["ts"])

    def _plugin(self, kind: str) -> Any:
        wanted = kind.removeprefix(rules.PLUGIN_PREFIX)
        for notification in self._toolkit.registry.notifications:
            if notification.key == wanted:
                return notification.handler
        raise GiveUp(f"no plugin notification {wanted}")

    async def _dm_channel(self, incident: Incident) -> str:
        person = (incident.lead or incident.reporter).slack_id
        response = await self._client.conversations_open(users=person)
        return str(response["channel"]["id"])

    async def find(self, claimed: Claimed) -> tuple[str, str] | None:
        """The message an earlier attempt posted, found by the notification id in its metadata."""
        async with slack_call():
            channel = await self._dm_channel(claimed.incident) if claimed.row.kind == rules.REPORT else None
            channel = channel or claimed.incident.channel_id
            if channel is None:
                return None
            since = (claimed.row.first_attempt_at or claimed.row.due_at) - timedelta(seconds=5)
            ts = await find_in_history(self._client, channel, since, is_notification(claimed.row.id), pages=1)
        return (channel, ts) if ts else None


def _since_update(claimed: Claimed) -> timedelta | None:
    since: datetime = claimed.last_update or claimed.incident.started_at
    return claimed.row.due_at - since if since else None
