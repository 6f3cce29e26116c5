"""How each effect is shown in Slack, and how a repeat of it is recognised and not made twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from response_bot.effects.models import Effect
from response_bot.effects.runner import Outcome
from response_bot.incidents.announcements import EffectKind
from response_bot.incidents.models import Incident
from response_bot.outcomes import GiveUp
from response_bot.slack.blocks import channel as channel_blocks
from response_bot.slack.blocks import commands as command_blocks
from response_bot.slack.blocks import declaring as declaring_blocks
from response_bot.slack.blocks import followups as followup_blocks
from response_bot.slack.blocks.text import mention
from response_bot.slack.channel.setup import AllNamesTaken, ChannelSetup
from response_bot.slack.headline.posts import Headlines
from response_bot.slack.outbox.failures import slack_call
from response_bot.slack.transport.messages import effect_metadata, find_in_history, find_in_thread, is_effect

Perform = Callable[[Effect, Incident], Awaitable[Outcome]]
NOTHING = Outcome()


class SlackPerformer:
    def __init__(self, client: AsyncWebClient, headlines: Headlines, setup: ChannelSetup) -> None:
        # This client never retries or sleeps by itself: the outbox decides, so no lease is slept on.
        self._client = client
        self._headlines = headlines
        self._setup = setup
        self._kinds: dict[str, Perform] = {
            EffectKind.CREATE_CHANNEL: self._create_channel,
            EffectKind.POST_HEADLINE: self._post_headline,
            EffectKind.EDIT_HEADLINE: self._edit_headline,
            EffectKind.INVITE: self._invite,
            EffectKind.TOPIC: self._topic,
            EffectKind.BOOKMARK: self._bookmark,
            EffectKind.WELCOME: self._welcome,
            EffectKind.NOTE: self._note,
            EffectKind.UPDATE_IN_CHANNEL: self._update_in_channel,
            EffectKind.UPDATE_UNDER_HEADLINE: self._update_under_headline,
            EffectKind.REACTION: self._reaction,
            EffectKind.MESSAGE: self._message,
            EffectKind.TELL_REPORTER: self._tell_reporter,
            EffectKind.CALL_READY: self._call_ready,
            EffectKind.INVITE_PEOPLE: self._invite_people,
            EffectKind.NUDGE: self._nudge,
        }

    async def perform(self, effect: Effect, incident: Incident) -> Outcome:
        perform = self._kinds.get(effect.kind)
        if perform is None:
            raise GiveUp(f"no such effect: {effect.kind}")
        async with slack_call():
            return await perform(effect, incident)

    @staticmethod
    def _since(effect: Effect) -> datetime:
        return effect.first_attempt_at or effect.created_at

    # --- the channel -----------------------------------------------------------------------

    async def _create_channel(self, effect: Effect, incident: Incident) -> Outcome:
        if incident.channel_id:
            return NOTHING
        if effect.uncertain:
            found = await self._setup.find_made(incident, self._since(effect))
            if found is not None:
                return Outcome(channel=found)
        title = str(effect.payload.get("title") or incident.title)
        try:
            return Outcome(channel=await self._setup.create(incident, title, private=incident.private))
        except AllNamesTaken as error:
            raise GiveUp(error.message) from None

    async def _invite(self, effect: Effect, incident: Incident) -> Outcome:
        if incident.channel_id:
            await self._setup.invite(incident)
        return NOTHING

    async def _topic(self, effect: Effect, incident: Incident) -> Outcome:
        await self._setup.set_topic(incident, check_first=effect.uncertain)
        return NOTHING

    async def _bookmark(self, effect: Effect, incident: Incident) -> Outcome:
        if incident.channel_id:
            # Two bookmarks: a try that failed after the first must not add it again.
            await self._setup.bookmark(incident, check_first=effect.uncertain or effect.attempts > 1)
        return NOTHING

    async def _welcome(self, effect: Effect, incident: Incident) -> Outcome:
        if incident.channel_id:
            await self._setup.welcome(
                incident, posted_since=self._since(effect) if effect.uncertain else None
            )
        return NOTHING

    # --- the headline ----------------------------------------------------------------------

    async def _post_headline(self, effect: Effect, incident: Incident) -> Outcome:
        if incident.headline_ts and incident.headline_channel_id:
            return NOTHING
        if effect.uncertain:
            found = await self._headlines.find_posted(incident, self._since(effect))
            if found is not None:
                return Outcome(headline=found)
        return Outcome(headline=await self._headlines.post(incident))

    async def _edit_headline(self, effect: Effect, incident: Incident) -> Outcome:
        await self._headlines.edit(incident)
        return NOTHING

    # --- messages ----------------------------------------------------------------------------

    async def _post(
        self,
        effect: Effect,
        channel: str,
        text: str,
        *,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        broadcast: bool = False,
    ) -> tuple[str, str]:
        """Post once, tagged with the effect's id; a retry that finds the earlier post keeps that one."""
        if effect.uncertain:
            since = self._since(effect)
            if thread_ts:
                found = await find_in_thread(self._client, channel, thread_ts, since, is_effect(effect.id))
            else:
                found = await find_in_history(self._client, channel, since, is_effect(effect.id))
            if found:
                return channel, found
        response = await self._client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=blocks or None,
            thread_ts=thread_ts,
            reply_broadcast=broadcast or None,
            metadata=effect_metadata(effect.id),
            unfurl_links=False,
        )
        return str(response["channel"]), str(response["ts"])

    async def _note(self, effect: Effect, incident: Incident) -> Outcome:
        actor = effect.payload.get("actor")
        note = effect.payload.get("note")
        if note == "text":  # from another system's call (mrkdwn, escaped by whoever wrote it)
            text = str(effect.payload.get("text") or "")
            blocks = effect.payload.get("blocks") or None
            if incident.channel_id:
                await self._post(effect, incident.channel_id, text, blocks=blocks)
            elif incident.headline_channel_id and incident.headline_ts:
                await self._post(
                    effect, incident.headline_channel_id, text, blocks=blocks, thread_ts=incident.headline_ts
                )
            return NOTHING
        if not incident.channel_id:
            return NOTHING
        if note == "closed":
            text = channel_blocks.closed_note(incident, actor)
        elif note == "reopened":
            text = channel_blocks.reopened_note(incident, actor)
        elif note == "text_changed":
            field = str(effect.payload.get("field"))
            text = f"📝 {mention(str(actor))} updated the {field}.\n" + command_blocks.text_updated(
                field, getattr(incident, field)
            )
        else:
            raise GiveUp(f"no such note: {note}")
        await self._post(effect, incident.channel_id, text)
        return NOTHING

    def _update_text(self, effect: Effect, incident: Incident) -> str:
        return command_blocks.status_update(
            incident, str(effect.payload.get("actor")), str(effect.payload.get("text", ""))
        )

    async def _update_in_channel(self, effect: Effect, incident: Incident) -> Outcome:
        # A private incident's headline is in its own channel: the update under it is broadcast there.
        if incident.channel_id and incident.headline_channel_id != incident.channel_id:
            await self._post(effect, incident.channel_id, self._update_text(effect, incident))
        return NOTHING

    async def _update_under_headline(self, effect: Effect, incident: Incident) -> Outcome:
        if incident.headline_channel_id and incident.headline_ts:
            await self._post(
                effect,
                incident.headline_channel_id,
                self._update_text(effect, incident),
                thread_ts=incident.headline_ts,
                broadcast=incident.headline_channel_id == incident.channel_id,
            )
        return NOTHING

    async def _reaction(self, effect: Effect, incident: Incident) -> Outcome:
        payload = effect.payload
        try:
            await self._client.reactions_add(
                channel=payload["channel"], timestamp=payload["ts"], name=payload["name"]
            )
        except SlackApiError as error:
            if error.response.get("error") != "already_reacted":
                raise
        return NOTHING

    async def _message(self, effect: Effect, incident: Incident) -> Outcome:
        channel = effect.payload.get("channel") or incident.channel_id
        if not channel:
            raise GiveUp(f"incident {incident.id} has no channel to post in")
        if str(channel).startswith("#"):  # a rule's channel, by name
            channel = await self._setup.postable(str(channel))
        posted_in, ts = await self._post(
            effect, str(channel), str(effect.payload.get("text") or ""), blocks=effect.payload.get("blocks")
        )
        return Outcome(result={"channel": posted_in, "ts": ts})

    async def _invite_people(self, effect: Effect, incident: Incident) -> Outcome:
        users = [str(u) for u in effect.payload.get("users") or []]
        for group in effect.payload.get("groups") or []:
            users += await self._setup.group_members(str(group))
        if incident.channel_id and users:
            await self._setup.invite_people(incident.channel_id, users)
        return NOTHING

    async def _call_ready(self, effect: Effect, incident: Incident) -> Outcome:
        """A call link that arrived after the channel was set up: bookmarked, and said there."""
        if incident.channel_id and incident.call_url:
            await self._setup.bookmark_call(incident)
            await self._post(effect, incident.channel_id, channel_blocks.call_note(incident))
        return NOTHING

    async def _nudge(self, effect: Effect, incident: Incident) -> Outcome:
        """A DM to the owner of an overdue follow-up."""
        opened = await self._client.conversations_open(users=str(effect.payload["user"]))
        message = followup_blocks.nudge(incident.id, incident.channel_id, dict(effect.payload))
        posted_in, ts = await self._post(
            effect, str(opened["channel"]["id"]), message.text, blocks=message.blocks
        )
        return Outcome(result={"channel": posted_in, "ts": ts})

    async def _tell_reporter(self, effect: Effect, incident: Incident) -> Outcome:
        opened = await self._client.conversations_open(users=incident.reporter.slack_id)
        dm = str(opened["channel"]["id"])
        permalink = None
        if incident.headline_channel_id and incident.headline_ts:
            permalink = self._headlines.permalink(incident.headline_channel_id, incident.headline_ts)
        text = declaring_blocks.announced_late(incident, headline_url=permalink)
        await self._post(effect, dm, text)
        return NOTHING
