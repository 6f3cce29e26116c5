"""A plugin as a company would write one: a command, a keyword, a headline button and its action."""

from __future__ import annotations

from response_bot.api import (
    Incident,
    IncidentContext,
    Severity,
    action_handler,
    button,
    event_handler,
    headline_post_action,
    incident_command,
    keyword_handler,
    recurring_notification,
)


@incident_command(["ping", "marco"], helptext="Check the bot is listening")
async def ping(ctx: IncidentContext) -> None:
    await ctx.say(f"pong ({ctx.args or 'no args'}) for Incident {ctx.incident.id}")


@incident_command(["escalate"], helptext="Make the incident critical")
async def escalate(ctx: IncidentContext) -> None:
    change = await ctx.incidents.set_severity(
        ctx.incident.id, Severity.CRITICAL, actor=ctx.actor, key=ctx.change_key, confirm=ctx.confirmation
    )
    await ctx.publish(change)


@keyword_handler(["runbook", "run book"])
async def runbook(ctx: IncidentContext) -> None:
    await ctx.say(f"📗 Runbooks live at https://runbooks.example.com (you said “{ctx.keyword}”)")


@headline_post_action(order=250)
def page_button(incident: Incident) -> dict[str, object] | None:
    return button("📟 Page on-call", "example_page_oncall", incident) if incident.severity else None


@action_handler("example_page_oncall")
async def page_oncall(ctx: IncidentContext) -> None:
    await ctx.say(f"📟 <@{ctx.user_id}> paged on-call for Incident {ctx.incident.id}")


@event_handler("channel_rename")
async def renamed(ctx: IncidentContext) -> None:
    await ctx.say(f"Noted the new name #{(ctx.event or {}).get('channel', {}).get('name')}")


@recurring_notification(interval_mins=30, max_notifications=10)
async def take_a_break(ctx: IncidentContext) -> None:
    await ctx.say("👋 30 minutes have passed. Think about taking a few minutes away from the screen.")
