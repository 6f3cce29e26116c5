"""Every callback_id, action_id and block_id the bot puts into Slack, in one place."""

from __future__ import annotations

import enum

SLASH_COMMAND = "/incident"


class Callback(enum.StrEnum):
    """Modal callback ids."""

    DECLARE = "incident_declare"
    EDIT = "incident_edit"
    CLOSE = "incident_close"
    CHANGE_TEXT = "incident_change_text"
    PAGERDUTY_PAGE = "pagerduty_page"
    STATUS_PAGE = "status_page_post"


class Shortcut(enum.StrEnum):
    """Message shortcut callback ids (also in manifest.json)."""

    ADD_TO_TIMELINE = "timeline_add"


class Action(enum.StrEnum):
    """Button and element action ids."""

    EDIT = "headline_edit"
    CLOSE = "headline_close"
    CREATE_CHANNEL = "headline_create_channel"
    DECLARE_FROM_HOME = "home_declare"
    CHANGE_TEXT = "text_change"
    ACCEPT_PROPOSAL = "text_proposal_accept"
    DECLINE_PROPOSAL = "text_proposal_decline"
    # The PagerDuty integration's: invite someone on call into the incident channel.
    FOLLOWUP_DONE = "followup_done"
    FOLLOWUP_REOPEN = "followup_reopen"
    FOLLOWUP_TICKET = "followup_ticket"
    PAGERDUTY_INVITE = "pagerduty_invite"
    PAGERDUTY_PAGE_FORM = "pagerduty_page_form"
    STATUS_PAGE_FORM = "status_page_form"
    STATUS_PAGE_RESOLVE = "status_page_resolve"
    STATUS_PAGE_LEAVE = "status_page_leave"
    # Inputs reuse their block id as action id; listed so nothing else claims them.
    FIELD = "value"


class BlockId(enum.StrEnum):
    """Block ids of inputs and of headline sections."""

    TITLE = "title"
    SUMMARY = "summary"
    IMPACT = "impact"
    LEAD = "lead"
    SEVERITY = "severity"
    PRIVATE = "private"
    DRILL = "drill"
    TEXT = "text"
    HEADLINE_ACTIONS = "headline_actions"
    CLOSE_CONFIRM = "close_confirm"
    PAGE_TARGET = "page_target"
    PAGE_MESSAGE = "page_message"
    PUBLIC_NAME = "public_name"
    PUBLIC_STATUS = "public_status"
    PUBLIC_MESSAGE = "public_message"
    PUBLIC_COMPONENTS = "public_components"
    PUBLIC_COMPONENT_STATUS = "public_component_status"
    PUBLIC_NOTIFY = "public_notify"


class MetadataEvent(enum.StrEnum):
    """`metadata.event_type` on messages the bot posts, so they can be found again."""

    HEADLINE = "incident_headline"
    WELCOME = "incident_welcome"
    # Anything else posted for an effect (notes, status updates, plugins' messages): by effect id.
    EFFECT = "incident_effect"
