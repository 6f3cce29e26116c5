"""The benchmark's plugin: keyword handlers active during the message storm, as a company would have."""

from __future__ import annotations

from response_bot.api import IncidentContext, keyword_handler


@keyword_handler(["runbook", "run book"])
async def runbook(ctx: IncidentContext) -> None:
    await ctx.say("📗 Runbooks: https://runbooks.example.com")


@keyword_handler(["status page", "statuspage"])
async def status_page(ctx: IncidentContext) -> None:
    await ctx.say("ℹ️ The status page runbook: https://runbooks.example.com/status-page")
