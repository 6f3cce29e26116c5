"""Running the rules: which fire, and doing what they say, each once per occurrence.

A rule triggered by a change (declared, severity, status, lead set, closed, reopened, a keyword)
is decided inside that change's transaction and stored with it as one call; a rule on a timer (no
lead for N minutes, no status update for N minutes) is decided by the scheduler's sweep and stored
under a key naming the occurrence, so two replicas or a restart still fire it once. Firing does the
rule's actions in order, each once (a post, an invitation, a page, a webhook, a role, a reminder,
the status-page prompt), and puts each on the incident's timeline as "Rule '<name>' …".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from response_bot.api import (
    Call,
    IncidentChanged,
    OutboundCall,
    Refused,
    incident_changed,
    incident_ref,
    outbound_call,
)
from response_bot.automation.rulebook import Action, Rule, Trigger
from response_bot.automation.templates import render
from response_bot.effects.service import Effects
from response_bot.incidents.enums import Severity, Status
from response_bot.incidents.errors import UnknownRole
from response_bot.incidents.models import Incident
from response_bot.incidents.service import IncidentService
from response_bot.notifications.timing import WorkingHours
from response_bot.slack.blocks.status_page import form_button
from response_bot.slack.blocks.text import escape, mention

log = logging.getLogger(__name__)
FIRE = "rules.fire"
PAGE = "pagerduty.page"


class RuleWebhooks(Protocol):
    def rule_calls(self, incident: Incident, rule: str, endpoint: str, why: str) -> list[Call]: ...


@dataclass(frozen=True)
class Verdict:
    fires: bool
    why: str


def at_least(severity: Severity | None, level: Severity) -> bool:
    return severity is not None and severity.value <= level.value


class Automation:
    """The rules from RULES_FILE, configured at start; its methods are building blocks."""

    def __init__(
        self,
        rules: Sequence[Rule],
        hours: WorkingHours,
        *,
        webhooks: RuleWebhooks | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.rules = list(rules)
        self._by_name = {r.name: r for r in rules}
        self._hours = hours
        self._webhooks = webhooks
        self._clock = clock

    # --- deciding ---------------------------------------------------------------------------------

    @incident_changed
    async def changed(self, change: IncidentChanged) -> list[Call]:
        now = self._clock()
        calls = []
        for rule in self.rules:
            happened = self._occurred(rule, change)
            if happened is None:
                continue
            why, key = happened
            holds = self.conditions(rule, change.incident, now)
            if holds.fires:
                calls.append(self._fire(rule, change.incident, why, key))
        return calls

    def _occurred(self, rule: Rule, change: IncidentChanged) -> tuple[str, str | None] | None:
        """(why, occurrence key) if this change is an occurrence of the rule's trigger. A change
        happens once, so its calls are stored once; the key is for triggers that fire once ever."""
        incident, changed = change.incident, change.changed
        declared = "declared" in changed
        once = f"rule:{rule.name}:{incident.id}"
        match rule.trigger:
            case Trigger.DECLARED if declared:
                return "it was declared", f"{once}:declared"
            case Trigger.SEVERITY if declared or "severity" in changed:
                assert rule.severity is not None
                before = None if declared else change.before.get("severity")
                if at_least(incident.severity, rule.severity) and not at_least(before, rule.severity):
                    return f"its severity reached {rule.severity.label}", None
            case Trigger.STATUS:
                status = (
                    Status.RESOLVED
                    if "closed" in changed
                    else Status.INVESTIGATING
                    if "reopened" in changed
                    else incident.status
                    if "status" in changed
                    else None
                )
                if (
                    rule.status is not None
                    and status is rule.status
                    and change.before.get("status") is not status
                ):
                    return f"its status became {rule.status.value}", None
            case Trigger.LEAD_SET if (declared or "lead" in changed) and incident.lead is not None:
                return f"{mention(incident.lead.slack_id)} became its lead", None
            case Trigger.CLOSED if "closed" in changed:
                return "it was closed", None
            case Trigger.REOPENED if "reopened" in changed:
                return "it was reopened", None
            case Trigger.KEYWORD if declared or {"title", "summary"} & changed:
                word = _found(rule.keywords, incident)
                if word:
                    return f"its title or summary says '{word}'", f"{once}:keyword"
        return None

    def conditions(self, rule: Rule, incident: Incident, now: datetime) -> Verdict:
        """Whether the rule's conditions hold for the incident now, and if not, why not."""
        wanted = rule.conditions
        if wanted.severities is not None and incident.severity not in wanted.severities:
            shown = incident.severity.label if incident.severity else "not set"
            return Verdict(False, f"its severity is {shown}")
        if wanted.private is not None and incident.private != wanted.private:
            return Verdict(False, "it is private" if incident.private else "it is not private")
        if wanted.keywords and not _found(wanted.keywords, incident):
            return Verdict(False, f"its title and summary mention none of {', '.join(wanted.keywords)}")
        if wanted.working_hours is not None:
            within = self._hours.contains(now)
            if within != (wanted.working_hours == "within"):
                return Verdict(
                    False, "it is within working hours" if within else "it is outside working hours"
                )
        return Verdict(True, "its conditions hold")

    def timed(
        self, rule: Rule, incident: Incident, last_update: datetime | None, now: datetime
    ) -> tuple[Verdict, str]:
        """A timed rule's trigger now: (verdict, occurrence key)."""
        once = f"rule:{rule.name}:{incident.id}"
        if not incident.is_open:
            return Verdict(False, "it is closed"), once
        waited = timedelta(minutes=rule.minutes)
        if rule.trigger is Trigger.LEAD_MISSING:
            if incident.lead is not None:
                return Verdict(False, "it has a lead"), once
            since = now - incident.declared_at
            if since < waited:
                return Verdict(
                    False, f"it has had no lead for {_minutes(since)}, not yet {rule.minutes}"
                ), once
            return Verdict(True, f"it has had no lead for {_minutes(since)}"), f"{once}:lead_missing"
        quiet_since = max(last_update or incident.declared_at, incident.declared_at)
        quiet = now - quiet_since
        if quiet < waited:
            return Verdict(
                False, f"its last status update was {_minutes(quiet)} ago, not yet {rule.minutes}"
            ), once
        return Verdict(True, f"it has had no status update for {_minutes(quiet)}"), (
            f"{once}:no_update:{quiet_since.isoformat()}"
        )

    def explain(self, rule: Rule, incident: Incident, last_update: datetime | None, now: datetime) -> Verdict:
        """For `response-bot rules check --incident N`: would the rule fire now, and why (not)."""
        if rule.trigger.timed:
            verdict, _ = self.timed(rule, incident, last_update, now)
        else:
            verdict = _standing(rule, incident)
        if not verdict.fires:
            return verdict
        holds = self.conditions(rule, incident, now)
        if not holds.fires:
            return Verdict(False, f"{verdict.why}, but {holds.why}")
        return Verdict(True, f"{verdict.why}, and {holds.why}")

    def due(self, incident: Incident, last_update: datetime | None, now: datetime) -> list[Call]:
        """The timed rules that fire for this incident now (each stored once under its key)."""
        calls = []
        for rule in self.rules:
            if not rule.trigger.timed:
                continue
            verdict, key = self.timed(rule, incident, last_update, now)
            if verdict.fires and self.conditions(rule, incident, now).fires:
                calls.append(self._fire(rule, incident, verdict.why, key))
        return calls

    @property
    def has_timed(self) -> bool:
        return any(r.trigger.timed for r in self.rules)

    async def sweep(self, incidents: IncidentService, effects: Effects, now: datetime | None = None) -> int:
        """The scheduler's sweep: store the timed rules that fire now, each under a key naming its
        occurrence, so however many replicas sweep, and across restarts, it fires once. How many
        were new."""
        if not self.has_timed:
            return 0
        now = now or self._clock()
        open_now = await incidents.open_incidents(limit=500)
        last = await incidents.last_updates([i.id for i in open_now])
        fired = 0
        for incident in open_now:
            for call in self.due(incident, last.get(incident.id), now):
                _, new = await effects.queue_once(incident.id, call.spec())
                fired += int(new)
        if fired:
            log.info("timed rules: %d fired", fired)
        return fired

    def _fire(self, rule: Rule, incident: Incident, why: str, key: str | None) -> Call:
        # The incident as the trigger saw it: the actions may run a while later.
        seen = {
            "severity": incident.severity.label if incident.severity else None,
            "status": incident.status.value,
        }
        payload = {"rule": rule.name, "why": why, "seen": seen}
        return Call(FIRE, payload, what=f"rule '{rule.name}'", key=key, queue="rules")

    # --- doing --------------------------------------------------------------------------------------

    @outbound_call(FIRE)
    async def fire(self, call: OutboundCall) -> None:
        rule = self._by_name.get(str(call.payload["rule"]))
        if rule is None:
            return  # taken out of RULES_FILE since
        incident = await call.current()
        for number, action in enumerate(rule.actions, start=1):
            once = f"{call.key}:{number}"
            await self._do(call, rule, action, incident, once)

    async def _do(
        self, call: OutboundCall, rule: Rule, action: Action, incident: Incident, once: str
    ) -> None:
        name = escape(rule.name)
        seen = dict(call.payload.get("seen") or {})
        values = _fields(incident, rule.name, call.doc_url, seen)
        if action.kind == "post":
            # Another channel: a private incident's words stay in its own channel.
            shown = _fields(incident, rule.name, call.doc_url, seen, private=incident.private)
            await call.post(action.target, render(action.text, shown), once=once)
            await call.record(
                f"Rule '{name}' posted to {escape(action.target)}", {"rule": rule.name}, once=once
            )
        elif action.kind == "invite":
            incident = await call.with_channel()
            if not incident.channel_id:
                return
            await call.invite(action.people, once=once)
            who = ", ".join(mention(p) if p.startswith(("U", "W")) else escape(p) for p in action.people)
            await call.record(f"Rule '{name}' invited {who}", {"rule": rule.name}, once=once)
        elif action.kind == "page":
            message = (
                render(action.text, values) if action.text else f"Incident {incident.id}: {incident.title}"
            )
            target = action.people[0] if action.people else action.target
            payload = {
                "kind": action.page_kind,
                "id": action.target,
                "name": target,
                "message": message,
                "rule": rule.name,
            }
            await call.then(Call(PAGE, payload, what=f"the page to {target}", key=once))
            await call.record(
                f"Rule '{name}' paged {escape(target)} through PagerDuty", {"rule": rule.name}, once=once
            )
        elif action.kind == "webhook":
            if self._webhooks is None:
                raise Refused(f"Rule '{rule.name}' sends a webhook, but WEBHOOKS is no longer set.")
            for made in self._webhooks.rule_calls(
                incident, rule.name, action.target, str(call.payload.get("why"))
            ):
                await call.then(made)
            await call.record(
                f"Rule '{name}' sent a webhook to {escape(action.target)}", {"rule": rule.name}, once=once
            )
        elif action.kind == "role":
            try:
                await call.assign(action.target, action.people[0], key=once)
            except UnknownRole as error:
                raise Refused(f"Rule '{rule.name}': {error.message}") from None
            await call.record(
                f"Rule '{name}' made {mention(action.people[0])} {escape(action.target)}",
                {"rule": rule.name},
                once=once,
            )
        elif action.kind == "remind":
            text = render(action.text, values)
            await call.say(f"⏰ {text} _(rule '{name}')_", once=once)
            await call.record(f"Rule '{name}' reminded the channel: {text}", {"rule": rule.name}, once=once)
        elif action.kind == "statuspage":
            lead = mention(incident.lead.slack_id) if incident.lead else "Whoever leads this"
            await call.say(
                f"🌐 {lead}: rule '{name}' asks whether the status page should say something.",
                blocks=form_button(incident_ref(incident)),
                once=once,
            )
            await call.record(
                f"Rule '{name}' asked the lead about the status page", {"rule": rule.name}, once=once
            )


def _standing(rule: Rule, incident: Incident) -> Verdict:
    """An event trigger judged on the incident as it stands (for `rules check`)."""
    match rule.trigger:
        case Trigger.DECLARED:
            return Verdict(True, "it was declared")
        case Trigger.SEVERITY:
            assert rule.severity is not None
            if at_least(incident.severity, rule.severity):
                return Verdict(True, f"its severity is {rule.severity.label} or worse")
            return Verdict(False, f"its severity is below {rule.severity.label}")
        case Trigger.STATUS:
            assert rule.status is not None
            if incident.status is rule.status:
                return Verdict(True, f"its status is {rule.status.value}")
            return Verdict(False, f"its status is {incident.status.value}, not {rule.status.value}")
        case Trigger.LEAD_SET:
            return Verdict(incident.lead is not None, "it has a lead" if incident.lead else "it has no lead")
        case Trigger.CLOSED:
            return Verdict(not incident.is_open, "it is closed" if not incident.is_open else "it is open")
        case Trigger.REOPENED:
            return Verdict(False, "it fires when the incident is reopened")
        case _:
            word = _found(rule.keywords, incident)
            return Verdict(
                bool(word), f"it says '{word}'" if word else "its title and summary have none of the words"
            )


def _found(words: Sequence[str], incident: Incident) -> str | None:
    text = f"{incident.title} {incident.summary or ''}".lower()
    return next((w for w in words if w in text), None)


def _minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _fields(
    incident: Incident, rule: str, doc_url: str, seen: dict[str, Any], *, private: bool = False
) -> dict[str, Any]:
    """What a rule's template may show, as Slack mrkdwn: people's words escaped (no pings, no
    disguised links), and none of a private incident's words outside its channel."""
    hidden = "(private incident)"
    return {
        "id": str(incident.id),
        "title": hidden if private else escape(incident.title),
        "summary": hidden if private else escape(incident.summary or ""),
        "impact": hidden if private else escape(incident.impact or ""),
        "severity": seen.get("severity") or "No severity",
        "status": str(seen.get("status") or incident.status.value).capitalize(),
        "lead": f"<@{incident.lead.slack_id}>" if incident.lead else "nobody",
        "channel": "" if private or not incident.channel_id else f"<#{incident.channel_id}>",
        "doc_url": doc_url,
        "rule": escape(rule),
    }
