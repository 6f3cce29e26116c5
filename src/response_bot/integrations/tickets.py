"""Follow-ups that become tickets in the team's tracker (FOLLOWUP_TRACKER: Jira or Linear).

Each follow-up in the `followups` list gets a **Create ticket** button; with
FOLLOWUP_TICKETS_ON_CLOSE, closing the incident files every follow-up still open. Filing goes
through the outbox in the tracker's own lane, once per follow-up (a follow-up that has a ticket is
never filed again). Each ticket is then looked at every TICKET_POLL_SECONDS, in a queue of its
own, until it is closed in the tracker: that marks the follow-up done, once, on the timeline and in
the channel. A follow-up marked done in Slack stops being followed.
"""

from __future__ import annotations

from response_bot.api import (
    AgainIn,
    Call,
    CommandError,
    IncidentChanged,
    IncidentContext,
    OutboundCall,
    action_handler,
    incident_changed,
    outbound_call,
)
from response_bot.followups.models import FollowUp
from response_bot.incidents.models import Incident
from response_bot.integrations.tracker import TicketRequest, Tracker
from response_bot.slack.blocks.followups import followup_of
from response_bot.slack.blocks.text import escape, inert, link, mention, readable
from response_bot.slack.ids import Action

TRACKERS = {"jira": "Jira", "linear": "Linear"}
CREATE = "tickets.create"
FILE_OPEN = "tickets.file_open"
FOLLOW = "tickets.follow"


def tag(followup_id: int) -> str:
    """The label that names a follow-up's ticket in the tracker (and finds it again)."""
    return f"response-followup-{followup_id}"


class Tickets:
    """The follow-up tracker integration, configured at start; its methods are building blocks."""

    def __init__(self, tracker: Tracker, *, on_close: bool, poll_seconds: float) -> None:
        self.tracker = tracker
        self.on_close = on_close
        self.poll_seconds = poll_seconds

    async def check(self) -> str | None:
        return await self.tracker.check()

    # --- filing ---------------------------------------------------------------------------------

    @action_handler(Action.FOLLOWUP_TICKET)
    async def create_clicked(self, ctx: IncidentContext) -> None:
        followup = await ctx.incidents.followup(followup_of(ctx.action))
        if followup.ticket_url:
            raise CommandError(f"That follow-up is filed already: {followup.ticket_url}")
        await ctx.call(
            Call(
                CREATE,
                {"followup": followup.id, "by": ctx.actor.slack_id},
                what=f"filing a follow-up in {self.tracker.name}",
                key=f"ticket:{followup.id}",
            )
        )
        await ctx.reply(f"Filing it in {self.tracker.name}; the channel hears when it is there.")

    @incident_changed
    async def file_on_close(self, change: IncidentChanged) -> list[Call]:
        if not self.on_close or "closed" not in change.changed:
            return []
        return [Call(FILE_OPEN, {}, what=f"filing the open follow-ups in {self.tracker.name}")]

    @outbound_call(FILE_OPEN)
    async def file_open(self, call: OutboundCall) -> None:
        """On close: each follow-up still open and without a ticket, filed (in the same queue, so
        one filed by a click a moment before is seen and not filed twice)."""
        for followup in await call.followups():
            if not followup.done and not followup.ticket_id:
                await call.then(
                    Call(
                        CREATE,
                        {"followup": followup.id, "on_close": True},
                        what=f"filing a follow-up in {self.tracker.name}",
                        key=f"ticket:{followup.id}",
                    )
                )

    @outbound_call(CREATE)
    async def create(self, call: OutboundCall) -> None:
        followup = await call.followup(int(call.payload["followup"]))
        if followup.ticket_id:
            return  # filed already (a click and the close, say)
        incident = await call.current()
        request = self._request(incident, followup, call.doc_url)
        ticket = await self.tracker.create(request, maybe_sent=call.maybe_sent)
        await call.set_ticket(followup.id, ticket.id, ticket.key, ticket.url, tracker=self.tracker.name)
        by = call.payload.get("by")
        who = f"{mention(str(by))} filed" if by else "Filed"
        await call.say(
            f"🎫 {who} a follow-up in {self.tracker.name} as {link(ticket.url, ticket.key)}: "
            f"{inert(followup.text)[:2000]}",
            once=f"ticket:{followup.id}",
        )
        await call.then(
            Call(
                FOLLOW,
                {"followup": followup.id},
                what=f"following {ticket.key} in {self.tracker.name}",
                queue=f"ticket:{followup.id}",
            )
        )

    def _request(self, incident: Incident, followup: FollowUp, doc_url: str) -> TicketRequest:
        owner = followup.owner
        return TicketRequest(
            followup_id=followup.id,
            incident_id=incident.id,
            incident_title=incident.title,
            text=readable(followup.text),
            tag=tag(followup.id),
            doc_url=doc_url,
            channel_url=(
                f"https://slack.com/app_redirect?channel={incident.channel_id}"
                if incident.channel_id
                else None
            ),
            owner=(owner.real_name or owner.display_name or owner.name or owner.slack_id) if owner else None,
            due_on=followup.due_on,
        )

    # --- following ------------------------------------------------------------------------------

    @outbound_call(FOLLOW)
    async def follow(self, call: OutboundCall) -> None:
        """The ticket closed in the tracker: the follow-up is done, said once. Until then, again
        every TICKET_POLL_SECONDS (a 429 waits as long as the tracker asks)."""
        followup = await call.followup(int(call.payload["followup"]))
        if followup.done or not followup.ticket_id or followup.ticket_closed_at is not None:
            return
        state = await self.tracker.state(followup.ticket_id)
        key = followup.ticket_key or followup.ticket_id
        if state is None:
            await call.say(
                f"⚠️ {self.tracker.name} no longer shows {escape(key)} to the bot (deleted, or moved "
                "out of its reach), so it stops following it; mark the follow-up done by hand.",
                once=f"ticket-gone:{followup.id}",
            )
            return
        if not state.closed:
            raise AgainIn(self.poll_seconds)
        if await call.ticket_closed(followup.id, tracker=self.tracker.name, state=state.name):
            await call.say(
                f"☑️ {link(followup.ticket_url or '', key)} is {escape(state.name)} in {self.tracker.name}, "
                f"so the follow-up is done: {inert(followup.text)[:2000]}",
                once=f"ticket-done:{followup.id}",
            )
