"""Atlassian Statuspage: tell customers, from the incident channel, in words a person has read.

Nothing public is ever posted without a person's click: `statuspage` opens a form prefilled from the
incident, in which every word that will be public is shown and can be changed; submitting it posts
(or, when the incident has a public incident already, updates) through the outbox. Closing an
incident with an open public incident asks whether to resolve it too. Statuspage has no
idempotency key, so every incident the bot makes carries the call's id in its metadata, and a call
that may have reached Statuspage looks for it among the unresolved incidents before making another.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import aiohttp

from response_bot.api import (
    Call,
    CommandError,
    IncidentChanged,
    IncidentContext,
    InvalidInput,
    OutboundCall,
    Refused,
    TryLater,
    action_handler,
    incident_changed,
    incident_command,
    incident_ref,
    outbound_call,
    view_submission,
)
from response_bot.integrations.http import Answer, send
from response_bot.slack.blocks import status_page as blocks
from response_bot.slack.blocks.form import checked, selected_value, selected_values, text_value
from response_bot.slack.blocks.text import escape, mention
from response_bot.slack.ids import Action, BlockId, Callback

POST = "statuspage.post"
RESOLVE = "statuspage.resolve"
ASK = "statuspage.ask"
VAULT_API_KEY = "statuspage-api-key"
NAME_MAX = 255
BODY_MAX = 25_000


@dataclass(frozen=True)
class StatuspageConfig:
    page_id: str
    api_key: str
    api_url: str = "https://api.statuspage.io/v1"


class Statuspage:
    """The status page integration, configured at start; its methods are building blocks."""

    def __init__(self, config: StatuspageConfig, http: aiohttp.ClientSession) -> None:
        self.config = config
        self._http = http

    # --- talking to Statuspage ------------------------------------------------------------------

    @property
    def _page(self) -> str:
        return f"{self.config.api_url}/pages/{self.config.page_id}"

    async def _send(self, method: str, path: str, body: Any = None) -> Answer:
        return await send(
            self._http,
            "Statuspage",
            method,
            f"{self._page}{path}",
            json_body=body,
            headers={"Authorization": f"OAuth {self.config.api_key}"},
        )

    async def components(self) -> list[tuple[str, str]]:
        """The page's components (not groups), for a person waiting: errors are a `CommandError`."""
        try:
            answer = await self._send("GET", "/components?per_page=100")
        except TryLater as error:
            raise CommandError(f"{error.reason.removeprefix('not sent: ')}; try again in a moment.") from None
        if answer.status != 200 or not isinstance(answer.body, list):
            raise CommandError(_refusal("list its components", answer))
        return [(str(c["id"]), str(c.get("name") or c["id"])) for c in answer.body if not c.get("group")]

    async def check(self) -> str | None:
        try:
            await self.components()
        except CommandError as error:
            return error.message
        return None

    # --- the form ----------------------------------------------------------------------------------

    @incident_command(
        ["statuspage"], helptext="Post to the public status page (a form shows every word first)"
    )
    async def statuspage(self, ctx: IncidentContext) -> None:
        if ctx.trigger_id:
            await self._open_form(ctx)
        else:  # a mention can't open a form; a button can
            await ctx.reply("Post to the status page?", blocks=blocks.form_button(incident_ref(ctx.incident)))

    @action_handler(Action.STATUS_PAGE_FORM)
    async def open_form(self, ctx: IncidentContext) -> None:
        await self._open_form(ctx)

    async def _open_form(self, ctx: IncidentContext) -> None:
        incident = ctx.incident
        updating = bool(incident.public_incident_id and incident.public_status != "resolved")
        prefill = blocks.Prefill(
            name=incident.title[:NAME_MAX],
            status=incident.status.value if incident.status.value in blocks.PUBLIC_STATUSES else "resolved",
            message="" if updating else (incident.impact or ""),
            updating=updating,
        )
        ref = incident_ref(incident)
        view_id = await ctx.open_view(blocks.form(ref, prefill, None))
        if updating and incident.public_incident_id:
            prefill = await self._as_posted(incident.public_incident_id, prefill)
        await ctx.update_view(view_id, blocks.form(ref, prefill, await self.components()))

    async def _as_posted(self, public_id: str, prefill: blocks.Prefill) -> blocks.Prefill:
        """An update starts from the public incident as it stands: its public title and status."""
        try:
            answer = await self._send("GET", f"/incidents/{public_id}")
        except TryLater:
            return prefill
        if answer.status != 200 or not isinstance(answer.body, dict):
            return prefill
        name = str(answer.body.get("name") or prefill.name)
        status = str(answer.body.get("status") or prefill.status)
        return replace(
            prefill, name=name, status=status if status in blocks.PUBLIC_STATUSES else prefill.status
        )

    @view_submission(Callback.STATUS_PAGE)
    async def submitted(self, ctx: IncidentContext) -> None:
        view = ctx.view or {}
        name = (text_value(view, BlockId.PUBLIC_NAME) or "").strip()
        message = (text_value(view, BlockId.PUBLIC_MESSAGE) or "").strip()
        status = selected_value(view, BlockId.PUBLIC_STATUS) or ""
        problems = {}
        if not name or len(name) > NAME_MAX:
            problems[str(BlockId.PUBLIC_NAME)] = f"Give it a public title of at most {NAME_MAX} characters."
        if not message or len(message) > BODY_MAX:
            problems[str(BlockId.PUBLIC_MESSAGE)] = (
                f"Say what is happening, in at most {BODY_MAX:,} characters."
            )
        if status not in blocks.PUBLIC_STATUSES:
            problems[str(BlockId.PUBLIC_STATUS)] = "Choose a status."
        component_status = selected_value(view, BlockId.PUBLIC_COMPONENT_STATUS) or "partial_outage"
        if component_status not in blocks.COMPONENT_STATUSES:
            problems[str(BlockId.PUBLIC_COMPONENT_STATUS)] = "Choose how the components are."
        if problems:
            raise InvalidInput(problems)
        affected = selected_values(view, BlockId.PUBLIC_COMPONENTS)
        components = {c: ("operational" if status == "resolved" else component_status) for c in affected}
        payload = {
            "name": name,
            "status": status,
            "body": message,
            "components": components,
            "notify": checked(view, BlockId.PUBLIC_NOTIFY, "notify"),
            "by": ctx.actor.slack_id,
        }
        await ctx.call(Call(POST, payload, what="the status-page post"))

    # --- posting ----------------------------------------------------------------------------------

    @outbound_call(POST)
    async def post(self, call: OutboundCall) -> None:
        incident = await call.current()
        payload = call.payload
        fields: dict[str, Any] = {
            "name": payload["name"],
            "status": payload["status"],
            "body": payload["body"],
            "deliver_notifications": bool(payload.get("notify")),
        }
        if payload.get("components"):
            fields["components"] = payload["components"]
            fields["component_ids"] = list(payload["components"])
        if incident.public_incident_id and incident.public_status != "resolved":
            answer = await self._send(
                "PATCH", f"/incidents/{incident.public_incident_id}", {"incident": fields}
            )
            made = answer.status == 200
        else:
            fields["metadata"] = {"response": {"incident": str(incident.id), "call": call.key}}
            found = await self._made_already(call) if call.maybe_sent else None
            answer = found or await self._send("POST", "/incidents", {"incident": fields})
            made = answer.status in (200, 201)
        if not made or not isinstance(answer.body, dict):
            raise Refused(_refusal("post it", answer))
        public = answer.body
        url = str(public.get("shortlink") or f"https://manage.statuspage.io/pages/{self.config.page_id}")
        await call.set_public_incident(str(public["id"]), url, str(public.get("status") or payload["status"]))
        status = str(payload["status"]).capitalize()
        text = f"Status page ({status}): {payload['body']}"
        await call.record(
            escape(text), {"action": "post", "public_incident": public["id"], "name": payload["name"]}
        )
        notified = "subscribers notified" if payload.get("notify") else "subscribers not notified"
        await call.say(
            f"🌐 {mention(str(payload.get('by')))} posted to the <{url}|status page> ({status}, {notified}): "
            f"*{escape(str(payload['name']))}*\n>{escape(str(payload['body']))[:2500]}"
        )

    async def _made_already(self, call: OutboundCall) -> Answer | None:
        """An earlier try may have made it (its answer was lost): find it by the call's id."""
        answer = await self._send("GET", "/incidents/unresolved")
        if answer.status != 200 or not isinstance(answer.body, list):
            return None
        for public in answer.body:
            if ((public.get("metadata") or {}).get("response") or {}).get("call") == call.key:
                return Answer(201, public, {})
        return None

    # --- closing -----------------------------------------------------------------------------------

    @incident_changed
    async def ask_on_close(self, change: IncidentChanged) -> list[Call]:
        incident = change.incident
        if (
            "closed" not in change.changed
            or not incident.public_incident_id
            or incident.public_status == "resolved"
        ):
            return []
        return [Call(ASK, {"closer": change.actor}, what="asking about the status page")]

    @outbound_call(ASK)
    async def ask(self, call: OutboundCall) -> None:
        incident = call.incident
        if not incident.public_incident_url:
            return
        text, question = blocks.close_question(
            incident_ref(incident), call.payload.get("closer"), incident.public_incident_url
        )
        await call.say(text, blocks=question)

    @action_handler(Action.STATUS_PAGE_RESOLVE)
    async def resolve_clicked(self, ctx: IncidentContext) -> None:
        if not ctx.incident.public_incident_id or ctx.incident.public_status == "resolved":
            raise CommandError("The status-page incident is resolved already.")
        await ctx.call(Call(RESOLVE, {"by": ctx.actor.slack_id}, what="resolving the status-page incident"))

    @action_handler(Action.STATUS_PAGE_LEAVE)
    async def leave_clicked(self, ctx: IncidentContext) -> None:
        await ctx.reply(
            "Left the status page as it is; `/incident statuspage` posts to it when you're ready."
        )

    @outbound_call(RESOLVE)
    async def resolve(self, call: OutboundCall) -> None:
        incident = await call.current()
        public_id = incident.public_incident_id
        if not public_id:
            return
        current = await self._send("GET", f"/incidents/{public_id}")
        if current.status != 200 or not isinstance(current.body, dict):
            raise Refused(_refusal("resolve it", current))
        components = {str(c["id"]): "operational" for c in current.body.get("components") or []}
        fields: dict[str, Any] = {"status": "resolved", "body": "This incident has been resolved."}
        if components:
            fields["components"] = components
        answer = await self._send("PATCH", f"/incidents/{public_id}", {"incident": fields})
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise Refused(_refusal("resolve it", answer))
        url = incident.public_incident_url or ""
        await call.set_public_incident(public_id, url, "resolved")
        await call.record("Status page (Resolved): This incident has been resolved.", {"action": "resolve"})
        back = " and set its components back to operational" if components else ""
        await call.say(
            f"🌐 {mention(str(call.payload.get('by')))} resolved the <{url}|status-page incident>{back}."
        )


def _refusal(what: str, answer: Answer) -> str:
    body = answer.body if isinstance(answer.body, dict) else {}
    message = str(body.get("message") or body.get("error") or f"it answered {answer.status}")
    hint = ""
    if answer.status == 401:
        hint = f" Check STATUSPAGE_API_KEY (or the '{VAULT_API_KEY}' secret)."
    elif answer.status == 404:
        hint = " Check STATUSPAGE_PAGE_ID."
    return f"Statuspage refused to {what} ({message}).{hint} Nothing was posted by this."
