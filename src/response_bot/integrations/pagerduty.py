"""PagerDuty: page the on-call when an incident is (or becomes) severe enough, and resolve it on close;
say who is on call (`oncall`), and bring them into the channel.

Written with the building blocks only: `@incident_changed` decides, inside the change's
transaction, which events the change needs; `@outbound_call` sends each one to the Events API v2
through the outbox. Every event carries one `dedup_key` per incident, so a retry, a second replica
or a crash between sending and recording never opens a second alert: PagerDuty applies a repeated
trigger to the alert that is already open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp

from response_bot.api import (
    AgainIn,
    Call,
    CommandError,
    Incident,
    IncidentChanged,
    IncidentContext,
    InvalidInput,
    OutboundCall,
    Refused,
    Severity,
    action_handler,
    incident_changed,
    incident_command,
    incident_ref,
    outbound_call,
    view_submission,
)
from response_bot.integrations.http import Answer, send
from response_bot.integrations.pagerduty_rest import PagerDutyRest
from response_bot.slack.blocks import paging as blocks
from response_bot.slack.blocks.form import selected_option, text_value
from response_bot.slack.blocks.text import escape, mention, readable
from response_bot.slack.ids import Action, BlockId, Callback
from response_bot.slack.workspace.profiles import SlackProfiles

LANE = "pagerduty"
TRIGGER = "pagerduty.trigger"
RESOLVE = "pagerduty.resolve"
PAGE = "pagerduty.page"
FOLLOW = "pagerduty.follow"
# A page's PagerDuty incident is looked at every PAGERDUTY_POLL_SECONDS (a minute) while the
# incident is open: one read a minute per page, far inside PagerDuty's 960 a minute.
TITLE_MAX = 250
VAULT_ROUTING_KEY = "pagerduty-routing-key"
SUMMARY_MAX = 1024  # the Events API's limit on payload.summary
# The Events API's severities, from ours.
EVENT_SEVERITY = {
    Severity.CRITICAL: "critical",
    Severity.MAJOR: "error",
    Severity.MINOR: "warning",
    Severity.TRIVIAL: "info",
}
WHY = {
    "declared": "it was declared {severity}",
    "raised": "it was raised to {severity}",
    "reopened": "it was reopened at {severity}",
}


@dataclass(frozen=True)
class PagerDutyConfig:
    routing_key: str  # empty: no automatic pages (the REST API may still be set up)
    auto_page_at: Severity | None
    events_url: str = "https://events.pagerduty.com"
    # Drills page nobody unless DRILLS_PAGE says so (automatically, by `page`, or by a rule).
    drills_page: bool = False


def dedup_key(incident: Incident) -> str:
    """One alert per incident. The declaration time keeps it apart from an incident with the same
    number in another (or a rebuilt) database sending to the same PagerDuty service."""
    return f"response-{incident.id}-{incident.declared_at:%Y%m%dT%H%M%S}"


def at_least(severity: Severity | None, threshold: Severity) -> bool:
    """Whether `severity` is `threshold` or worse (critical is 1, trivial 4)."""
    return severity is not None and severity <= threshold


class PagerDuty:
    """The PagerDuty integration, configured at start; its methods are building blocks."""

    def __init__(
        self, config: PagerDutyConfig, http: aiohttp.ClientSession, rest: PagerDutyRest | None = None
    ) -> None:
        self.config = config
        self._http = http
        self.rest = rest

    # --- deciding, with the change ------------------------------------------------------------

    @incident_changed
    async def page_or_resolve(self, change: IncidentChanged) -> list[Call]:
        threshold = self.config.auto_page_at
        if (
            threshold is None
            or not self.config.routing_key
            or not {"declared", "severity", "closed", "reopened"} & change.changed
        ):
            return []
        incident = change.incident
        if incident.drill and not self.config.drills_page:
            return []
        sent = [kind for kind in await change.calls_made(LANE) if kind in (TRIGGER, RESOLVE)]
        paged = bool(sent) and sent[-1] == TRIGGER
        if "closed" in change.changed:
            return [Call(RESOLVE, what="resolving the PagerDuty alert")] if paged else []
        if paged or not incident.is_open or not at_least(incident.severity, threshold):
            return []
        reason = (
            "declared"
            if "declared" in change.changed
            else "reopened"
            if "reopened" in change.changed
            else "raised"
        )
        return [Call(TRIGGER, {"reason": reason}, what="the page to PagerDuty")]

    # --- who is on call -------------------------------------------------------------------------

    @incident_command(["oncall"], helptext="Who is on call now: oncall [schedule or escalation policy]")
    async def oncall(self, ctx: IncidentContext) -> None:
        rest = self._rest("oncall")
        name = readable(ctx.args).strip() or rest.config.default_schedule
        if not name:
            raise CommandError(
                "Name a schedule or escalation policy: `oncall Payments Primary` "
                "(or set PAGERDUTY_DEFAULT_SCHEDULE)."
            )
        target = await rest.find(("schedule", "escalation_policy"), name)
        profiles = SlackProfiles(ctx.client)
        rows = [
            blocks.OnCallRow(
                person.name,
                await profiles.find_by_email(person.email) if person.email else None,
                person.level,
                person.schedule,
                datetime.fromisoformat(person.until.replace("Z", "+00:00")) if person.until else None,
            )
            for person in await rest.on_call(target)
        ]
        what = f"the {target.name} {'schedule' if target.kind == 'schedule' else 'escalation policy'}"
        message = blocks.on_call(
            what, rows, can_invite=bool(ctx.incident.channel_id and ctx.incident.is_open)
        )
        await ctx.say(message.text, blocks=message.blocks)

    @action_handler(Action.PAGERDUTY_INVITE)
    async def invite(self, ctx: IncidentContext) -> None:
        person = str((ctx.action or {}).get("value") or "")
        if not SLACK_USER.fullmatch(person):
            raise CommandError("That button no longer names anyone.")
        await ctx.invite([person])
        await ctx.say(f"👋 {mention(ctx.actor.slack_id)} brought {mention(person)} into the channel.")

    # --- paging a service or an escalation policy, from the channel -----------------------------

    @incident_command(["page"], helptext="Page through PagerDuty: page [service name] (no name: a form)")
    async def page_command(self, ctx: IncidentContext) -> None:
        self._not_a_drill(ctx.incident)
        rest = self._rest("page")
        name = readable(ctx.args).strip()
        if not name:
            if ctx.trigger_id:
                await self._open_form(ctx, rest)
            else:  # a mention can't open a form; a button can
                await ctx.reply(
                    "Who should be paged?", blocks=blocks.page_form_button(incident_ref(ctx.incident))
                )
            return
        target = await rest.find(("service",), name)
        await ctx.call(self._page(ctx, "service", target.id, target.name, _default_message(ctx.incident)))

    @action_handler(Action.PAGERDUTY_PAGE_FORM)
    async def open_page_form(self, ctx: IncidentContext) -> None:
        self._not_a_drill(ctx.incident)
        await self._open_form(ctx, self._rest("page"))

    async def _open_form(self, ctx: IncidentContext, rest: PagerDutyRest) -> None:
        # The form opens at once (a trigger lives three seconds); PagerDuty's lists fill it after.
        ref = incident_ref(ctx.incident)
        title = _default_message(ctx.incident)
        view_id = await ctx.open_view(blocks.page_form(ref, title=title, targets=None))
        found = await rest.pageable()
        targets = [blocks.Pageable(t.kind, t.id, t.name) for t in found]
        await ctx.update_view(view_id, blocks.page_form(ref, title=title, targets=targets))

    @view_submission(Callback.PAGERDUTY_PAGE)
    async def page_submitted(self, ctx: IncidentContext) -> None:
        view = ctx.view or {}
        chosen = selected_option(view, BlockId.PAGE_TARGET)
        message = (text_value(view, BlockId.PAGE_MESSAGE) or "").strip()
        problems = {}
        if chosen is None:
            problems[str(BlockId.PAGE_TARGET)] = "Choose a service or an escalation policy."
        if not message:
            problems[str(BlockId.PAGE_MESSAGE)] = "Say what whoever is paged should know."
        if problems or chosen is None:
            raise InvalidInput(problems)
        value, name = chosen
        kind, _, target_id = value.partition(":")
        if kind not in ("service", "escalation_policy") or not target_id:
            raise InvalidInput({str(BlockId.PAGE_TARGET): "Choose again: that choice is no longer known."})
        self._rest("page")
        await ctx.call(self._page(ctx, kind, target_id, name, message))

    def _page(self, ctx: IncidentContext, kind: str, target_id: str, name: str, message: str) -> Call:
        payload = {"kind": kind, "id": target_id, "name": name, "message": message, "by": ctx.actor.slack_id}
        return Call(PAGE, payload, what=f"the page to {name}")

    def _not_a_drill(self, incident: Incident) -> None:
        if incident.drill and not self.config.drills_page:
            raise CommandError(
                "This is a drill, so nobody is paged for real (DRILLS_PAGE=true lets drills page)."
            )

    @outbound_call(PAGE)
    async def page(self, call: OutboundCall) -> None:
        if call.incident.drill and not self.config.drills_page:
            await call.say(
                "🧪 A page was asked for, but this is a drill: nobody was paged (DRILLS_PAGE).",
                once="drill-page",
            )
            return
        if self.rest is None:
            raise Refused(
                "PagerDuty's REST API is no longer set up (PAGERDUTY_API_KEY), so nobody was paged."
            )
        rest = self.rest
        incident = await call.with_channel()
        kind, target_id, name = (str(call.payload[k]) for k in ("kind", "id", "name"))
        message, by = str(call.payload.get("message") or ""), str(call.payload.get("by") or "")
        # Who asked: a person, or a rule (RULES_FILE).
        who = mention(by) if by else f"Rule '{escape(str(call.payload.get('rule') or 'automation'))}'"
        # One incident_key per incident: PagerDuty keeps one open incident per service with it, so a
        # retried or repeated page to a service finds the first instead of making another.
        key = dedup_key(incident)
        if kind == "escalation_policy":
            existing = await rest.open_incident(key, None)
            if existing:  # the incident is already paged in PagerDuty: bring this policy into it
                await rest.add_responders(existing, target_id, name, message)
                number = existing.get("incident_number")
                await call.record(
                    f"{who} added {escape(name)} as responders in PagerDuty: {escape(message)}",
                    {"action": "responders", "pagerduty_incident": existing.get("id")},
                )
                await call.say(
                    f"📟 {who} added *{escape(name)}* as responders to PagerDuty incident "
                    f"#{number}: their on-call is being notified."
                )
                return
        service_id = target_id if kind == "service" else await rest.service_escalating_to(target_id, name)
        body: dict[str, Any] = {
            "type": "incident",
            "title": _default_message(incident)[:TITLE_MAX],
            "service": {"id": service_id, "type": "service_reference"},
            "urgency": "high",
            "incident_key": key,
            "body": {"type": "incident_body", "details": _details(incident, message, call.doc_url)},
        }
        if kind == "escalation_policy":
            body["escalation_policy"] = {"id": target_id, "type": "escalation_policy_reference"}
        if incident.call_url:
            body["conference_bridge"] = {"conference_url": incident.call_url}
        made = await rest.create_incident(body, name)
        number = made.get("incident_number")
        await call.record(
            f"{who} paged {escape(name)} through PagerDuty: {escape(message)}",
            {"action": "page", "pagerduty_incident": made.get("id"), "html_url": made.get("html_url")},
        )
        await call.say(
            f"📟 {who} paged *{escape(name)}* through PagerDuty"
            + (f" (incident #{number})" if number else "")
            + ": their on-call is being notified."
        )
        if made.get("id"):
            await self._follow(call, {"id": str(made["id"])}, str(made["id"]))

    # --- what happens to a page in PagerDuty -----------------------------------------------------

    async def _follow(self, call: OutboundCall, which: dict[str, str], name: str) -> None:
        """Look at what PagerDuty does with this page, every minute while the incident is open (in a
        queue of its own, so the waiting holds nothing else up)."""
        if self.rest is not None:
            await call.then(Call(FOLLOW, which, what="following the page in PagerDuty", queue=f"pd:{name}"))

    @outbound_call(FOLLOW)
    async def follow(self, call: OutboundCall) -> None:
        """Acknowledged, or resolved, in PagerDuty: said in the channel and on the timeline, once."""
        if self.rest is None:
            return
        incident = await call.current()
        if not incident.is_open:
            return  # closing resolves what the bot paged; nothing more to follow
        found = await self.rest.made_incident(call.payload)
        every = self.rest.config.poll_seconds
        if found is None:
            raise AgainIn(every)  # PagerDuty makes the incident from an event in its own time
        pd_id, number = str(found.get("id")), found.get("incident_number")
        label = f"#{number}" if number else pd_id
        who = [
            str((ack.get("acknowledger") or {}).get("summary") or "someone")
            for ack in found.get("acknowledgements") or []
        ]
        if found.get("status") in ("acknowledged", "resolved") and who:
            text = f"{', '.join(dict.fromkeys(who))} acknowledged the page in PagerDuty ({label})"
            await call.record(
                escape(text), {"action": "acknowledged", "pagerduty_incident": pd_id}, once=f"pd-ack:{pd_id}"
            )
            await call.say(f"✋ {escape(text)}.", once=f"pd-ack:{pd_id}")
        if found.get("status") == "resolved":
            text = f"PagerDuty incident {label} was resolved in PagerDuty"
            await call.record(
                text, {"action": "resolved", "pagerduty_incident": pd_id}, once=f"pd-resolved:{pd_id}"
            )
            await call.say(f"☑️ {text}.", once=f"pd-resolved:{pd_id}")
            return
        raise AgainIn(every)

    def _rest(self, command: str) -> PagerDutyRest:
        if self.rest is None:
            raise CommandError(
                f"`{command}` needs PagerDuty's REST API: set PAGERDUTY_API_KEY (or the "
                "'pagerduty-api-key' secret) and PAGERDUTY_FROM_EMAIL (README, 'Integrations')."
            )
        return self.rest

    # --- sending -------------------------------------------------------------------------------

    @outbound_call(TRIGGER)
    async def trigger(self, call: OutboundCall) -> None:
        incident = await call.with_channel()  # a moment for the new channel, to link it
        severity = incident.severity or Severity.CRITICAL
        await self._enqueue("trigger", self._trigger_body(incident, call.doc_url))
        why = WHY.get(str(call.payload.get("reason")), WHY["declared"]).format(severity=severity.name.lower())
        await call.record(
            f"Paged PagerDuty automatically: {why}",
            {"action": "trigger", "dedup_key": dedup_key(incident)},
        )
        await call.say(f"📟 Paged the on-call through PagerDuty: {why}.")
        await self._follow(call, {"incident_key": dedup_key(incident)}, dedup_key(incident))

    @outbound_call(RESOLVE)
    async def resolve(self, call: OutboundCall) -> None:
        key = dedup_key(call.incident)
        await self._enqueue(
            "resolve", {"routing_key": self.config.routing_key, "event_action": "resolve", "dedup_key": key}
        )
        await call.record("Resolved the PagerDuty alert: the incident was closed", {"action": "resolve"})
        await call.say("📟 Resolved the PagerDuty alert.")

    def _trigger_body(self, incident: Incident, doc_url: str) -> dict[str, Any]:
        severity = incident.severity or Severity.CRITICAL
        # A private incident's title stays in Slack: PagerDuty's alert only points there.
        summary = (
            f"Private incident {incident.id} ({severity.name.lower()}): details in Slack"
            if incident.private
            else incident.title
        )
        if incident.drill:  # whoever is paged must see at once that it is practice
            summary = f"[DRILL] {summary}"
        details: dict[str, Any] = {
            "incident": incident.id,
            "severity": severity.name.lower(),
            "status": str(incident.status),
            "declared_at": incident.declared_at.isoformat(),
        }
        links = [{"href": doc_url, "text": f"Incident {incident.id} doc"}]
        if incident.channel_id:
            links.append(
                {
                    "href": f"https://slack.com/app_redirect?channel={incident.channel_id}",
                    "text": "Slack channel" if incident.private else f"Slack #{incident.channel_name}",
                }
            )
        return {
            "routing_key": self.config.routing_key,
            "event_action": "trigger",
            "dedup_key": dedup_key(incident),
            "payload": {
                "summary": summary[:SUMMARY_MAX],
                "source": "response-bot",
                "severity": EVENT_SEVERITY[severity],
                "timestamp": incident.declared_at.isoformat(),
                "custom_details": details,
            },
            "links": links,
            "client": "Response",
            "client_url": doc_url,
        }

    async def _enqueue(self, action: str, body: dict[str, Any]) -> None:
        answer = await send(
            self._http, "PagerDuty", "POST", f"{self.config.events_url}/v2/enqueue", json_body=body
        )
        if answer.status != 202:
            raise Refused(_refusal(action, answer))


SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")


def _default_message(incident: Incident) -> str:
    drill = "[DRILL] " if incident.drill else ""
    if incident.private:
        return f"{drill}Private incident {incident.id}: details in Slack"
    return f"{drill}Incident {incident.id}: {incident.title}"


def _details(incident: Incident, message: str, doc_url: str) -> str:
    lines = [message, "", f"Incident doc: {doc_url}"]
    if incident.channel_id:
        lines.append(f"Slack channel: https://slack.com/app_redirect?channel={incident.channel_id}")
    return "\n".join(lines)


def _refusal(action: str, answer: Answer) -> str:
    """PagerDuty's 400 says `{"status", "message", "errors": [...]}`; say it with what to check."""
    what = "the page" if action == "trigger" else "resolving the alert"
    body = answer.body if isinstance(answer.body, dict) else {}
    message = str(body.get("message") or f"it answered {answer.status}")
    errors = [str(e) for e in body.get("errors") or [] if e]
    detail = f"{message}: {'; '.join(errors)}" if errors else message
    return (
        f"PagerDuty refused {what} ({detail}). Check that PAGERDUTY_ROUTING_KEY (or the "
        f"'{VAULT_ROUTING_KEY}' secret) is the Integration Key of an Events API v2 integration "
        "on the PagerDuty service to page."
    )


def check(config: PagerDutyConfig) -> str:
    """What `response-bot check` can say without paging anyone: the Events API has no read."""
    if not config.routing_key:
        return "no routing key, so no automatic pages (PAGERDUTY_ROUTING_KEY)"
    auto = (
        f"pages automatically at {config.auto_page_at.name.lower()} or worse"
        if config.auto_page_at
        else "no automatic pages (PAGERDUTY_AUTO_PAGE_SEVERITY is empty)"
    )
    return (
        f"routing key set; {auto}. The Events API has no read to test the key "
        "with: a wrong key shows up as a refused page in the incident channel"
    )
