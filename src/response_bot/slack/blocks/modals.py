"""Modals: declare, edit, confirm close."""

from __future__ import annotations

from response_bot.incidents.enums import Severity
from response_bot.incidents.models import Incident
from response_bot.slack.blocks.text import Block, escape, plain, section, truncate
from response_bot.slack.ids import Block as BlockId
from response_bot.slack.ids import Callback

TITLE_PLACEHOLDER = "What's happening, in a sentence?"


def _modal(callback: Callback, title: str, submit: str, blocks: list[Block], metadata: str) -> Block:
    return {
        "type": "modal",
        "callback_id": callback,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain("Cancel", 24),
        "private_metadata": metadata,
        "blocks": blocks,
    }


def _text_input(
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


def _fields(
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
        _text_input(
            BlockId.TITLE,
            "Title",
            initial=title,
            placeholder=TITLE_PLACEHOLDER,
            multiline=False,
            optional=False,
        ),
        _text_input(
            BlockId.SUMMARY,
            "Summary",
            initial=summary,
            placeholder="What do we know so far?",
            multiline=True,
            optional=True,
        ),
        _text_input(
            BlockId.IMPACT,
            "Impact",
            initial=impact,
            placeholder="Who or what is affected?",
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


PRIVATE_OPTION: Block = {
    "text": plain("🔒 Private: only people in its channel see it", 75),
    "description": plain("The incident gets a private channel and its headline is posted there.", 75),
    "value": "private",
}


def declare(*, title: str, metadata: str) -> Block:
    blocks = _fields(title=title.strip() or None, summary=None, impact=None, lead_id=None, severity=None)
    blocks.append(
        {
            "type": "input",
            "block_id": BlockId.PRIVATE,
            "optional": True,
            "label": plain("Visibility"),
            "element": {"type": "checkboxes", "action_id": BlockId.PRIVATE, "options": [PRIVATE_OPTION]},
        }
    )
    return _modal(Callback.DECLARE, "Declare an incident", "Declare", blocks, metadata)


def change_text(incident_id: int, field: str, current: str | None, *, metadata: str) -> Block:
    """Edit the summary or the impact on its own."""
    block = _text_input(
        BlockId.TEXT,
        field.capitalize(),
        initial=current,
        placeholder="What do we know so far?" if field == "summary" else "Who or what is affected?",
        multiline=True,
        optional=True,
    )
    return _modal(Callback.CHANGE_TEXT, f"Incident {incident_id} {field}", "Save", [block], metadata)


def edit(incident: Incident, *, metadata: str) -> Block:
    blocks = _fields(
        title=incident.title,
        summary=incident.summary,
        impact=incident.impact,
        lead_id=incident.lead.slack_id if incident.lead else None,
        severity=incident.severity,
    )
    return _modal(Callback.EDIT, f"Edit incident {incident.id}", "Save", blocks, metadata)


def confirm_close(incident_id: int, *, metadata: str, problem: str | None = None) -> Block:
    blocks = [section(f"⚠️ {escape(problem)}")] if problem else []
    blocks += [
        section(
            f"Close *Incident {incident_id}*? It will be marked resolved, its duration recorded "
            "and the buttons on its headline post removed.",
            block_id=BlockId.CLOSE_CONFIRM,
        )
    ]
    return _modal(Callback.CLOSE, "Close incident", "Close incident", blocks, metadata)


def notice(title: str, text: str) -> Block:
    """A modal with only a message, for answering a button whose incident can't be edited."""
    return {
        "type": "modal",
        "title": plain(title, 24),
        "close": plain("OK", 24),
        "blocks": [section(escape(text))],
    }
