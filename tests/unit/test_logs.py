"""Tokens are masked wherever they would be logged."""

from __future__ import annotations

import logging

import pytest

from response_bot.logs import RedactSecrets, redact


def test_redact_masks_every_kind_of_slack_token() -> None:
    text = "bot xoxb-1-2-abc app xapp-1-A1-2-def user xoxp-9-z"
    assert redact(text) == "bot xoxb-*** app xapp-*** user xoxp-***"


def test_the_filter_masks_arguments_too(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redact")
    logger.addFilter(RedactSecrets())
    with caplog.at_level(logging.INFO, logger="test.redact"):
        logger.info("calling with %s", "xoxb-123-456-secret")
    assert "secret" not in caplog.text and "xoxb-***" in caplog.text
