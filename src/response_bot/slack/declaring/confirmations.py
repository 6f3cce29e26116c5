"""The reporter's private confirmation after declaring: where the incident is, or why it isn't yet.

Best effort: it goes through the interaction's response URL (which expires) or an ephemeral
message. What matters is durable anyway: the headline and the channel are effects, and a headline
that goes up late brings its own note to the reporter (`EffectKind.TELL_REPORTER`).
"""

from __future__ import annotations

from collections.abc import Callable

from response_bot.effects.models import Effect, EffectStatus
from response_bot.effects.runner import EffectRunner
from response_bot.effects.service import REPORTER_WAITS
from response_bot.extensions.replies import Recipient
from response_bot.incidents.announcements import SLACK_LANE, EffectKind
from response_bot.incidents.service import Declaration
from response_bot.slack.blocks import declaring as blocks
from response_bot.slack.headline.posts import Headlines
from response_bot.slack.transport.errors import slack_problem
from response_bot.slack.transport.recipients import Replies


class Confirmations:
    def __init__(
        self,
        runner: EffectRunner,
        headlines: Headlines,
        replies: Replies,
        doc_url: Callable[[int], str],
    ) -> None:
        self._runner = runner
        self._headlines = headlines
        self._replies = replies
        self._doc_url = doc_url

    async def declared(self, declaration: Declaration, reporter: Recipient) -> None:
        """Once the headline is up (or after a few seconds), tell the reporter how it went."""
        shown = [e for e in declaration.effects if e.lane == SLACK_LANE]  # not a pager's retries
        effects = await self._runner.wait(shown, REPORTER_WAITS.total_seconds())
        headline = _of_kind(effects, EffectKind.POST_HEADLINE)
        channel = _of_kind(effects, EffectKind.CREATE_CHANNEL)
        incident = declaration.incident
        posted = (
            (headline.result or {}) if headline is not None and headline.status == EffectStatus.DONE else {}
        )
        if posted.get("ts"):
            made = (
                (channel.result or {}) if channel is not None and channel.status == EffectStatus.DONE else {}
            )
            text = blocks.declared_confirmation(
                incident,
                headline_url=self._headlines.permalink(str(posted["channel"]), str(posted["ts"])),
                doc_url=self._doc_url(incident.id),
                channel_id=made.get("channel") or incident.channel_id,
            )
        else:
            text = blocks.declared_but_waiting(incident)
        if channel is not None and channel.status == EffectStatus.FAILED:
            text += blocks.channel_problem(slack_problem(channel.last_error))
        await self._replies.tell(reporter, text)


def _of_kind(effects: list[Effect], kind: EffectKind) -> Effect | None:
    return next((e for e in effects if e.kind == kind), None)
