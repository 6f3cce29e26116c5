"""A plugin whose handler is not async, which start-up refuses."""

from response_bot.api import IncidentContext, incident_command


@incident_command(["oldstyle"], helptext="not async")
def oldstyle(ctx: IncidentContext) -> None:
    pass
