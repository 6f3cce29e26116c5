"""The one place errors become messages: known ones explained, unknown ones logged with a reference.

Known: a `UserError` (its own message), the database not answering (`StorageError`, said here in
Slack's words; `CommitUncertain` honestly), and Slack's own refusals we can explain. Anything else
is a bug: logged with a reference id that the person also sees.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError

from response_bot.db.errors import CommitUncertain, StorageError
from response_bot.errors import UserError
from response_bot.extensions.replies import Recipient
from response_bot.incidents.errors import InvalidAssignee, InvalidInput
from response_bot.slack.blocks.form import FIELD_BLOCKS
from response_bot.slack.ids import BlockId
from response_bot.slack.transport.recipients import Replies, recipient_of
from response_bot.users.errors import UnknownUser

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


DATABASE_DOWN = (
    "The incident database isn't answering right now, so nothing was changed. Please try again in a moment."
)
COMMIT_UNCERTAIN = (
    "The incident database stopped answering just as this was being saved, so I can't tell yet "
    "whether it was. Please try again in a moment: if it was saved, it won't be saved twice."
)


def describe(error: BaseException) -> tuple[str, str | None]:
    """The text to show, and a reference id when the error is unexpected (and was logged)."""
    if isinstance(error, UserError):
        return error.message, None
    if isinstance(error, StorageError):
        log.warning("the database is not answering: %s", error.__cause__ or error)
        return (COMMIT_UNCERTAIN if isinstance(error, CommitUncertain) else DATABASE_DOWN), None
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
        """Bolt's `@app.error`: answer the user, then ack so Slack neither retries nor shows a timeout.

        A form's submission is answered inside the form (next to the field when we know which).
        """
        if body.get("type") == "view_submission":
            errors = form_errors(error, body.get("view") or {})
            if errors:
                return BoltResponse(status=200, body={"response_action": "errors", "errors": errors})
        await self.report(error, recipient_of(body))
        return BoltResponse(status=200, body="")


def form_errors(error: BaseException, view: dict[str, Any]) -> dict[str, str]:
    """What a submitted form shows when it was refused: each problem under its own input (a field
    the domain named, the lead for an unusable person), the rest under the form's first input."""
    blocks = view.get("blocks", [])
    inputs = [str(b["block_id"]) for b in blocks if b.get("type") == "input" and b.get("block_id")]
    if not inputs:
        return {}
    if isinstance(error, InvalidInput):
        placed = {
            str(FIELD_BLOCKS.get(name, name if name in inputs else inputs[0])): text
            for name, text in error.errors.items()
        }
        return {block: text for block, text in placed.items() if block in inputs} or {
            inputs[0]: "; ".join(placed.values())
        }
    if isinstance(error, (InvalidAssignee, UnknownUser)) and BlockId.LEAD in inputs:
        return {str(BlockId.LEAD): error.message}
    text, _ = describe(error)
    return {inputs[0]: text[:300]}
