"""A plugin with notifications short enough for tests: recurring every ~1 s (twice), and one single."""

from __future__ import annotations

from response_bot.api import IncidentContext, recurring_notification, single_notification


@recurring_notification(interval_mins=1 / 60, max_notifications=2)
async def stretch(ctx: IncidentContext) -> None:
    await ctx.say(f"🧘 Stretch break for Incident {ctx.incident.id}")


@single_notification(initial_delay_mins=1 / 60)
async def checklist(ctx: IncidentContext) -> None:
    await ctx.say("📋 Have you checked the status page?")
