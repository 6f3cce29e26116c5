"""The incident form, which declaring and the headline's Edit button both show: the modal around it,
its inputs, and reading a submitted one back into domain values."""

from __future__ import annotations

from typing import Any

from response_bot.incidents.enums import Severity
from response_bot.incidents.errors import InvalidInput
from response_bot.incidents.fields import IncidentFields
from response_bot.slack.blocks.text import Block, plain, truncate
from response_bot.slack.ids import BlockId, Callback
from response_bot.users.models import UserRef

TITLE_PLACEHOLDER = "What's happening, in a sentence?"
SUMMARY_PLACEHOLDER = "What do we know so far?"
IMPACT_PLACEHOLDER = "Who or what is affected?"


def modal(callback: Callback, title: str, submit: str, blocks: list[Block], metadata: str) -> Block:
    return {
        "type": "modal",
        "callback_id": callback,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain("Cancel", 24),
        "private_metadata": metadata,
        "blocks": blocks,
    }


def text_input(
    block_id: str, label: str, *, initial: str | None, placeholder: str, multiline: bool, optional: bool
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": block_id,
        "multiline": multiline,
        "placeholder": plain(placeholder, 150),
    }
    if initial:
        element["initial_value"] = truncate(initial, 3000)
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain(label, 2000),
        "element": element,
    }


def _severity_option(severity: Severity) -> Block:
    return {"text": plain(f"{severity.emoji} {severity.label}", 75), "value": str(severity.value)}


def fields(
    *,
    title: str | None,
    summary: str | None,
    impact: str | None,
    lead_id: str | None,
    severity: Severity | None,
) -> list[Block]:
    lead: Block = {"type": "users_select", "action_id": BlockId.LEAD, "placeholder": plain("Who's leading?")}
    if lead_id:
        lead["initial_user"] = lead_id
    select: Block = {
        "type": "static_select",
        "action_id": BlockId.SEVERITY,
        "placeholder": plain("How bad is it?"),
        "options": [_severity_option(s) for s in Severity],
    }
    if severity is not None:
        select["initial_option"] = _severity_option(severity)
    return [
        text_input(
            BlockId.TITLE,
            "Title",
            initial=title,
            placeholder=TITLE_PLACEHOLDER,
            multiline=False,
            optional=False,
        ),
        text_input(
            BlockId.SUMMARY,
            "Summary",
            initial=summary,
            placeholder=SUMMARY_PLACEHOLDER,
            multiline=True,
            optional=True,
        ),
        text_input(
            BlockId.IMPACT,
            "Impact",
            initial=impact,
            placeholder=IMPACT_PLACEHOLDER,
            multiline=True,
            optional=True,
        ),
        {
            "type": "input",
            "block_id": BlockId.LEAD,
            "optional": True,
            "label": plain("Lead"),
            "element": lead,
        },
        {
            "type": "input",
            "block_id": BlockId.SEVERITY,
            "optional": True,
            "label": plain("Severity"),
            "element": select,
        },
    ]


# Reading a submitted form


def _element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    values = view.get("state", {}).get("values", {})
    element = values.get(block_id, {}).get(block_id)
    return element if isinstance(element, dict) else {}


def text_value(view: dict[str, Any], block_id: str) -> str | None:
    value = _element(view, block_id).get("value")
    return value if isinstance(value, str) else None


def selected_user(view: dict[str, Any], block_id: str) -> str | None:
    value = _element(view, block_id).get("selected_user")
    return value if isinstance(value, str) and value else None


def selected_value(view: dict[str, Any], block_id: str) -> str | None:
    option = _element(view, block_id).get("selected_option")
    if isinstance(option, dict) and isinstance(option.get("value"), str):
        return str(option["value"])
    return None


def selected_option(view: dict[str, Any], block_id: str) -> tuple[str, str] | None:
    """A select's chosen option as (value, the text shown for it)."""
    option = _element(view, block_id).get("selected_option")
    if not isinstance(option, dict) or not isinstance(option.get("value"), str) or not option["value"]:
        return None
    return str(option["value"]), str((option.get("text") or {}).get("text") or option["value"])


def selected_values(view: dict[str, Any], block_id: str) -> list[str]:
    """The values chosen in a multi-select or checkboxes."""
    options = _element(view, block_id).get("selected_options") or []
    return [str(o["value"]) for o in options if isinstance(o, dict) and o.get("value")]


def checked(view: dict[str, Any], block_id: str, value: str) -> bool:
    return value in selected_values(view, block_id)


def incident_fields(view: dict[str, Any]) -> IncidentFields:
    """The declare/edit form as `IncidentFields`; a value this form never offers is an input error."""
    severity_raw = selected_value(view, BlockId.SEVERITY)
    try:
        severity = Severity(int(severity_raw)) if severity_raw else None
    except ValueError:
        raise InvalidInput({"severity": "Pick one of the listed severities."}) from None
    lead = selected_user(view, BlockId.LEAD)
    return IncidentFields(
        title=text_value(view, BlockId.TITLE) or "",
        summary=text_value(view, BlockId.SUMMARY),
        impact=text_value(view, BlockId.IMPACT),
        lead=UserRef(lead) if lead else None,
        severity=severity,
        private=checked(view, BlockId.PRIVATE, "private"),
        drill=checked(view, BlockId.DRILL, "drill"),
    )


FIELD_BLOCKS = {
    "title": BlockId.TITLE,
    "summary": BlockId.SUMMARY,
    "impact": BlockId.IMPACT,
    "lead": BlockId.LEAD,
    "severity": BlockId.SEVERITY,
}
