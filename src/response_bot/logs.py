"""Logging set-up: one format, and no token ever written out."""

from __future__ import annotations

import logging
import re

_SECRET = re.compile(r"\b(xox[abposr]|xapp)-[A-Za-z0-9-]+")


class RedactSecrets(logging.Filter):
    """Masks anything shaped like a Slack token, in messages and in their arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET.search(message):
            record.msg = redact(message)
            record.args = None
        return True


class DropBenignBoltWarnings(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN from the environment goes unused: on purpose (see slack/app.py)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "will be unused" not in record.getMessage() and "will be ignored" not in record.getMessage()


def redact(text: str) -> str:
    return _SECRET.sub(lambda m: f"{m.group(1)}-***", text)


def configure(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Bolt logs every unhandled-but-acked request at INFO; keep the log about our bot.
    logging.getLogger("slack_bolt").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("slack_sdk").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("slack_bolt.AsyncApp").addFilter(DropBenignBoltWarnings())
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
