"""Every callback_id, action_id and block_id the bot puts into Slack, in one place."""

from __future__ import annotations

import enum

SLASH_COMMAND = "/incident"


class Callback(enum.StrEnum):
    """Modal callback ids."""

    DECLARE = "incident_declare"
    EDIT = "incident_edit"
    CLOSE = "incident_close"


class Action(enum.StrEnum):
    """Button and element action ids."""

    EDIT = "headline_edit"
    CLOSE = "headline_close"
    # Inputs reuse their block id as action id; listed so nothing else claims them.
    FIELD = "value"


class Block(enum.StrEnum):
    """Block ids of inputs and of headline sections."""

    TITLE = "title"
    SUMMARY = "summary"
    IMPACT = "impact"
    LEAD = "lead"
    SEVERITY = "severity"
    HEADLINE_ACTIONS = "headline_actions"
    CLOSE_CONFIRM = "close_confirm"


class MetadataEvent(enum.StrEnum):
    """`metadata.event_type` on messages the bot posts, so they can be found again."""

    HEADLINE = "incident_headline"
