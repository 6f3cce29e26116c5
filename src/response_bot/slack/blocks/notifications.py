"""What reminders and nudges say."""

from __future__ import annotations

from datetime import timedelta

from response_bot.incidents.enums import format_duration
from response_bot.incidents.models import Incident
from response_bot.notifications import rules
from response_bot.slack.blocks.text import escape, link, mention, truncate


def reminder(
    kind: str, incident: Incident, bot_user_id: str, *, since_update: timedelta | None = None
) -> str:
    bot = mention(bot_user_id)
    if kind == rules.LEAD:
        return f"👩‍🚒 This incident doesn't have a lead. Take it with `{bot} lead`, or `{bot} lead @someone`."
    if kind == rules.SEVERITY:
        return f"🌤️ This incident doesn't have a severity. Set one with `{bot} severity 1-4`."
    if kind == rules.CLOSE:
        who = mention((incident.lead or incident.reporter).slack_id)
        return (
            f"⏲️ {who}, this incident has been running for {format_duration(incident.duration())}. "
            "Can it be closed now? Remember to pin important messages to build the timeline."
        )
    if kind == rules.STATUS_UPDATE:
        quiet = format_duration(since_update or incident.duration())
        return f"📣 No status update for {quiet}. Post one with `{bot} update <what's changed>`."
    raise ValueError(f"no text for {kind}")


def report_request(incident: Incident, *, report_url: str, doc_url: str) -> str:
    title = escape(truncate(incident.title, 150))
    return (
        f"👋 *Incident {incident.id}: {title}* is closed after {format_duration(incident.duration())}. "
        f"Please write up the post-incident report while it's fresh: start from the "
        f"{link(report_url, 'report draft')} (Markdown) and the {link(doc_url, 'incident doc')}."
    )


def late(text: str, late_by: timedelta) -> str:
    return f"{text}\n_(sent {format_duration(late_by)} late: the bot was unavailable when this was due)_"
