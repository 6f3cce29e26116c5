"""A plugin with bugs, to prove one broken handler costs nothing else."""

from __future__ import annotations

from response_bot.api import IncidentContext, event_handler, incident_command


@incident_command(["explode"], helptext="Always fails")
async def explode(ctx: IncidentContext) -> None:
    raise RuntimeError("the plugin tripped over its own feet")


@event_handler("channel_rename")
async def broken_listener(ctx: IncidentContext) -> None:
    raise KeyError("no such thing")
