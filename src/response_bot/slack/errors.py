"""The one place errors become messages: known ones explained, unknown ones logged with a reference."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError

from response_bot.errors import UserError
from response_bot.slack.recipients import Recipient, Replies

log = logging.getLogger("response_bot.errors")

_SLACK_ERRORS = {
    "expired_trigger_id": "Slack took too long to pass that on, so the form couldn't open. Please try again.",
    "exchanged_trigger_id": "That form was already opened once. Please click again.",
    "ratelimited": "Slack is rate-limiting the bot right now. Please try again in a minute.",
    "not_in_channel": "I'm not a member of that channel. Invite me with `/invite @Response` and try again.",
    "channel_not_found": "I can't see that channel. Invite me to it and try again.",
    "is_archived": "That channel is archived.",
    "restricted_action": "This workspace doesn't let the bot do that; a Slack admin can allow it.",
    "missing_scope": "The bot's Slack app lacks a permission it needs; reinstall it from manifest.json.",
}


def slack_problem(last_error: str | None) -> str:
    """An effect's last error in words: Slack's own reason where we know it."""
    reason = (last_error or "").removeprefix("not sent: ").strip()
    if reason in _SLACK_ERRORS:
        return _SLACK_ERRORS[reason]
    if reason and " " not in reason:
        return f"Slack refused it (`{reason}`)."
    return reason or "Slack refused it."


def describe(error: BaseException) -> tuple[str, str | None]:
    """The text to show, and a reference id when the error is unexpected (and was logged)."""
    if isinstance(error, UserError):
        return error.message, None
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error", ""))
        if code in _SLACK_ERRORS:
            log.warning("Slack refused a call: %s", code)
            return _SLACK_ERRORS[code], None
    reference = uuid.uuid4().hex[:8]
    log.error("unexpected error (reference %s)", reference, exc_info=error)
    return (
        f"Something went wrong on my side, so that didn't finish. Reference `{reference}` "
        "(your admins can find it in the bot's logs).",
        reference,
    )


class ErrorReporter:
    def __init__(self, replies: Replies) -> None:
        self._replies = replies

    async def report(self, error: BaseException, recipient: Recipient | None) -> str:
        text, _ = describe(error)
        if recipient is not None and recipient.user_id:
            try:
                await self._replies.tell(recipient, f"⚠️ {text}")
            except Exception:
                log.exception("could not tell %s about an error", recipient.user_id)
        return text

    async def bolt_error_handler(self, error: Exception, body: dict[str, Any]) -> BoltResponse:
        """Bolt's `@app.error`: answer the user, then ack so Slack neither retries nor shows a timeout."""
        if body.get("type") == "view_submission":
            text, _ = describe(error)
            block_id = _first_input_block(body.get("view") or {})
            if block_id:
                payload = {"response_action": "errors", "errors": {block_id: text[:300]}}
                return BoltResponse(status=200, body=payload)
        await self.report(error, Recipient.from_body(body))
        return BoltResponse(status=200, body="")


def _first_input_block(view: dict[str, Any]) -> str | None:
    for block in view.get("blocks", []):
        if block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None
