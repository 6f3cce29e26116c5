"""Built-in incident commands: help, summary, impact, lead, severity, status, role, update, followup,
rename, duration, call, close, reopen."""

from __future__ import annotations

import re

from response_bot.api import CommandError, IncidentContext, action_handler, incident_command
from response_bot.incidents.enums import Severity, Status
from response_bot.incidents.followup_text import parse as parse_followup
from response_bot.slack.blocks import channel as channel_blocks
from response_bot.slack.blocks import commands as replies
from response_bot.slack.blocks import followups as followup_blocks
from response_bot.slack.blocks.text import inert, readable
from response_bot.slack.ids import Action
from response_bot.users.models import UserRef

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


async def _person(ctx: IncidentContext, *, usage: str, default_self: bool) -> UserRef:
    """The one person mentioned in the arguments (or the speaker, when allowed and none is)."""
    mentioned = MENTION.findall(ctx.args)
    if not mentioned:
        if default_self and not ctx.args.strip():
            return await ctx.person(ctx.actor.slack_id)
        raise CommandError(f"Mention the person: `{usage}`.")
    if len(set(mentioned)) > 1:
        raise CommandError(f"Mention just one person: `{usage}`.")
    return await ctx.person(mentioned[0])


@incident_command(["help"], helptext="Show these commands")
async def show_help(ctx: IncidentContext) -> None:
    commands = [(c.names, c.helptext) for c in ctx.toolkit.registry.unique_commands()]
    await ctx.reply(replies.help_text(commands, ctx.toolkit.bot_user_id))


async def _text_field(ctx: IncidentContext, field: str) -> None:
    # Summaries and impacts are plain text, whether typed in a modal or after a command.
    text = readable(ctx.args)
    if not text.strip():
        await ctx.reply(
            f"Current {field} of Incident {ctx.incident.id}", blocks=replies.current_text(ctx.incident, field)
        )
        return
    if getattr(ctx.incident, field):
        proposal = await ctx.toolkit.proposals.propose(ctx.incident.id, field, text, ctx.actor.slack_id)
        await ctx.reply(
            f"Replace the {field}?", blocks=replies.proposal(ctx.incident, field, proposal.text, proposal.id)
        )
        return
    await ctx.publish(
        await ctx.incidents.set_text(
            ctx.incident.id, field, text, actor=ctx.actor, key=ctx.key, confirm=ctx.confirmation
        )
    )


@incident_command(
    ["summary"], helptext="Show the summary, or write it: summary <text>", _records_own_key=True
)
async def summary(ctx: IncidentContext) -> None:
    await _text_field(ctx, "summary")


@incident_command(
    ["impact"], helptext="Show the impact, or describe it: impact <text>", _records_own_key=True
)
async def impact(ctx: IncidentContext) -> None:
    await _text_field(ctx, "impact")


@incident_command(
    ["lead"], helptext="Make someone the lead: lead @someone (just lead: you)", _records_own_key=True
)
async def lead(ctx: IncidentContext) -> None:
    person = await _person(ctx, usage="lead @someone", default_self=True)
    await ctx.publish(
        await ctx.incidents.assign(
            ctx.incident.id, "lead", person, actor=ctx.actor, key=ctx.key, confirm=ctx.confirmation
        )
    )


@incident_command(
    ["severity", "sev"],
    helptext="Set the severity: severity 1-4 or critical, major, minor, trivial",
    _records_own_key=True,
)
async def severity(ctx: IncidentContext) -> None:
    level = Severity.parse(ctx.args)
    await ctx.publish(
        await ctx.incidents.set_severity(
            ctx.incident.id, level, actor=ctx.actor, key=ctx.key, confirm=ctx.confirmation
        )
    )


@incident_command(
    ["status"],
    helptext="Set the status: investigating, identified, monitoring or resolved",
    _records_own_key=True,
)
async def status(ctx: IncidentContext) -> None:
    wanted = Status.parse(ctx.args)
    await ctx.publish(
        await ctx.incidents.set_status(
            ctx.incident.id, wanted, actor=ctx.actor, key=ctx.key, confirm=ctx.confirmation
        )
    )


@incident_command(["role"], helptext="Give someone a role: role comms @someone", _records_own_key=True)
async def role(ctx: IncidentContext) -> None:
    name, _, rest = ctx.args.strip().partition(" ")
    if not name or not rest.strip():
        raise CommandError(replies.role_hint(ctx.incidents.roles, ctx.toolkit.bot_user_id))
    ctx.args = rest
    person = await _person(ctx, usage=f"role {name.lower()} @someone", default_self=False)
    await ctx.publish(
        await ctx.incidents.assign(
            ctx.incident.id, name, person, actor=ctx.actor, key=ctx.key, confirm=ctx.confirmation
        )
    )


@incident_command(
    ["update"], helptext="Post a status update for everyone following: update <text>", _records_own_key=True
)
async def update(ctx: IncidentContext) -> None:
    await ctx.publish(
        await ctx.incidents.post_update(
            ctx.incident.id, ctx.args, actor=ctx.actor, key=ctx.key, confirm=ctx.confirmation
        )
    )


@incident_command(
    ["followup", "action"],
    helptext="Log a follow-up: followup <what needs doing> [@owner] [due fri | 3d | 2026-12-12]",
    _records_own_key=True,
)
async def followup(ctx: IncidentContext) -> None:
    request = parse_followup(ctx.args, ctx.toolkit.today())
    owner = await ctx.person(request.owner) if request.owner else None
    await ctx.publish(
        await ctx.incidents.add_followup(
            ctx.incident.id,
            request.text,
            actor=ctx.actor,
            owner=owner,
            due=request.due,
            key=ctx.key,
            confirm=ctx.confirmation,
        )
    )


@incident_command(["followups", "actions"], helptext="List the follow-ups: who owns what, what is done")
async def followups(ctx: IncidentContext) -> None:
    listed = await ctx.incidents.followups(ctx.incident.id)
    message = followup_blocks.listing(
        ctx.incident.id, listed, ctx.toolkit.today(), tracker=ctx.toolkit.tracker
    )
    await ctx.say(message.text, blocks=message.blocks)


@action_handler(Action.FOLLOWUP_DONE)
async def followup_done(ctx: IncidentContext) -> None:
    await _mark_followup(ctx, done=True)


@action_handler(Action.FOLLOWUP_REOPEN)
async def followup_reopen(ctx: IncidentContext) -> None:
    await _mark_followup(ctx, done=False)


async def _mark_followup(ctx: IncidentContext, *, done: bool) -> None:
    followup_id = followup_blocks.followup_of(ctx.action)
    change = await ctx.incidents.set_followup_done(followup_id, done, actor=ctx.actor, key=ctx.change_key)
    await ctx.publish(change)
    if change.any:
        verb = "marked a follow-up done" if done else "reopened a follow-up"
        text = (await ctx.incidents.followup(followup_id)).text
        await ctx.say(f"{'✅' if done else '↩️'} <@{ctx.actor.slack_id}> {verb}: {inert(text)}")
    if ctx.clicked_in and ctx.clicked_in != ctx.channel_id:  # a nudge's button, in a DM
        where = f"<#{ctx.channel_id}>" if ctx.channel_id else f"Incident {ctx.incident.id}"
        await ctx.reply(f"Marked done; {where} has been told." if done else "Reopened.")


@incident_command(["rename"], helptext="Rename the incident channel: rename <name>")
async def rename(ctx: IncidentContext) -> None:
    await ctx.publish(await ctx.toolkit.rename_channel(ctx.incident, readable(ctx.args)))


@incident_command(["duration"], helptext="How long has this incident been running?")
async def duration(ctx: IncidentContext) -> None:
    await ctx.say(replies.duration(ctx.incident))


@incident_command(["call"], helptext="The link to this incident's call")
async def call(ctx: IncidentContext) -> None:
    if not ctx.incident.call_url:
        raise CommandError(
            "This incident has no call link yet. With CONFERENCE_URL, CONFERENCE_URL_TEMPLATE or Zoom "
            "set up (README, 'A call for the war room'), each incident gets one."
        )
    await ctx.say(channel_blocks.call_note(ctx.incident))


@incident_command(["close"], helptext="Close the incident (status resolved)", _records_own_key=True)
async def close(ctx: IncidentContext) -> None:
    change = await ctx.incidents.close(
        ctx.incident.id, actor=ctx.actor, key=ctx.key, confirm=ctx.confirmation
    )
    if not change.any and not change.duplicate:
        raise CommandError(f"Incident {ctx.incident.id} is already closed.")
    await ctx.publish(change)


@incident_command(["reopen"], helptext="Reopen a closed incident", _records_own_key=True)
async def reopen(ctx: IncidentContext) -> None:
    change = await ctx.incidents.reopen(
        ctx.incident.id, actor=ctx.actor, key=ctx.key, confirm=ctx.confirmation
    )
    if not change.any and not change.duplicate:
        raise CommandError(f"Incident {ctx.incident.id} is open already.")
    await ctx.publish(change)
