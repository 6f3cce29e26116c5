"""Reading submitted modal state back into domain values."""

from __future__ import annotations

from typing import Any

from response_bot.incidents.enums import Severity
from response_bot.incidents.errors import InvalidInput
from response_bot.incidents.fields import IncidentFields
from response_bot.slack.ids import Block
from response_bot.users.models import UserRef


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


def checked(view: dict[str, Any], block_id: str, value: str) -> bool:
    options = _element(view, block_id).get("selected_options") or []
    return any(isinstance(o, dict) and o.get("value") == value for o in options)


def incident_fields(view: dict[str, Any]) -> IncidentFields:
    """The declare/edit form as `IncidentFields`; a value this form never offers is an input error."""
    severity_raw = selected_value(view, Block.SEVERITY)
    try:
        severity = Severity(int(severity_raw)) if severity_raw else None
    except ValueError:
        raise InvalidInput({"severity": "Pick one of the listed severities."}) from None
    lead = selected_user(view, Block.LEAD)
    return IncidentFields(
        title=text_value(view, Block.TITLE) or "",
        summary=text_value(view, Block.SUMMARY),
        impact=text_value(view, Block.IMPACT),
        lead=UserRef(lead) if lead else None,
        severity=severity,
        private=checked(view, Block.PRIVATE, "private"),
    )


FIELD_BLOCKS = {
    "title": Block.TITLE,
    "summary": Block.SUMMARY,
    "impact": Block.IMPACT,
    "lead": Block.LEAD,
    "severity": Block.SEVERITY,
}
