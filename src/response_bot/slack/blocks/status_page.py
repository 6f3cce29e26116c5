"""What the status-page integration shows: the form a person posts to the public page with, the
question asked when an incident with a public one closes, and the button a mention answers with."""

from __future__ import annotations

from dataclasses import dataclass

from response_bot.slack.blocks.form import modal, text_input
from response_bot.slack.blocks.text import Block, button, plain, section
from response_bot.slack.ids import Action, BlockId, Callback

PUBLIC_STATUSES = ("investigating", "identified", "monitoring", "resolved")
COMPONENT_STATUSES = {
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "under_maintenance": "Under maintenance",
}
MAX_COMPONENTS = 100


@dataclass(frozen=True)
class Prefill:
    """What the form starts with; every word of it is shown to the person before anything is posted."""

    name: str
    status: str
    message: str
    updating: bool  # the incident has a public one: this posts an update to it


def _option(value: str, label: str) -> Block:
    return {"text": plain(label, 75), "value": value}


def form(metadata: str, prefill: Prefill, components: list[tuple[str, str]] | None) -> Block:
    """The status-page form; `components` None while they are still being fetched."""
    title = "Update status page" if prefill.updating else "Post to status page"
    if components is None:
        view = modal(
            Callback.STATUS_PAGE,
            title,
            "Post",
            [section("⏳ Asking Statuspage for its components…")],
            metadata,
        )
        del view["submit"]
        return view
    status_options = [_option(s, s.capitalize()) for s in PUBLIC_STATUSES]
    initial_status = next((o for o in status_options if o["value"] == prefill.status), status_options[0])
    blocks: list[Block] = [
        section(
            "Everything here is public once posted. Check the words: nothing from the incident is "
            "posted that you don't see here."
        ),
        text_input(
            BlockId.PUBLIC_NAME,
            "Public title",
            initial=prefill.name,
            placeholder="What customers see",
            multiline=False,
            optional=False,
        ),
        {
            "type": "input",
            "block_id": BlockId.PUBLIC_STATUS,
            "label": plain("Status", 2000),
            "element": {
                "type": "static_select",
                "action_id": BlockId.PUBLIC_STATUS,
                "options": status_options,
                "initial_option": initial_status,
            },
        },
        text_input(
            BlockId.PUBLIC_MESSAGE,
            "Message",
            initial=prefill.message,
            placeholder="What is happening, for customers",
            multiline=True,
            optional=False,
        ),
    ]
    if components:
        blocks += [
            {
                "type": "input",
                "block_id": BlockId.PUBLIC_COMPONENTS,
                "optional": True,
                "label": plain("Affected components", 2000),
                "element": {
                    "type": "multi_static_select",
                    "action_id": BlockId.PUBLIC_COMPONENTS,
                    "placeholder": plain("None", 150),
                    "options": [_option(cid, name) for cid, name in components[:MAX_COMPONENTS]],
                },
            },
            {
                "type": "input",
                "block_id": BlockId.PUBLIC_COMPONENT_STATUS,
                "label": plain("Their status", 2000),
                "element": {
                    "type": "static_select",
                    "action_id": BlockId.PUBLIC_COMPONENT_STATUS,
                    "options": [_option(k, v) for k, v in COMPONENT_STATUSES.items()],
                    "initial_option": _option("partial_outage", COMPONENT_STATUSES["partial_outage"]),
                },
            },
        ]
    notify = _option("notify", "Notify subscribers")
    blocks.append(
        {
            "type": "input",
            "block_id": BlockId.PUBLIC_NOTIFY,
            "optional": True,
            "label": plain("Subscribers", 2000),
            "element": {
                "type": "checkboxes",
                "action_id": BlockId.PUBLIC_NOTIFY,
                "options": [notify],
                "initial_options": [notify],
            },
        }
    )
    return modal(Callback.STATUS_PAGE, title, "Post", blocks, metadata)


def form_button(incident_ref: str) -> list[Block]:
    return [
        section("🌐 The status-page form shows exactly what will be public before anything is posted."),
        {
            "type": "actions",
            "elements": [
                button("Open the status-page form", Action.STATUS_PAGE_FORM, incident_ref, style="primary")
            ],
        },
    ]


def close_question(incident_ref: str, closer: str | None, url: str) -> tuple[str, list[Block]]:
    who = f"<@{closer}>, the" if closer else "The"
    text = (
        f"🌐 {who} incident is closed, but its <{url}|status-page incident> is still open. "
        "Resolve it too, and set its components back to operational?"
    )
    return text, [
        section(text),
        {
            "type": "actions",
            "elements": [
                button("Resolve it", Action.STATUS_PAGE_RESOLVE, incident_ref, style="primary"),
                button("Leave it", Action.STATUS_PAGE_LEAVE, incident_ref),
            ],
        },
    ]
