"""A replica killed (SIGKILL) while it holds a notification: another sends it after the lease, once."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from tests.e2e.test_reminders import is_notification_post, reminders
from tests.fakeslack import FakeSlack
from tests.support.bot import RunningBot, bot_settings
from tests.support.databases import PostgresTemplate
from tests.support.flows import declare
from tests.support.people import People
from tests.support.process import clean_env, start_bot_process

pytestmark = pytest.mark.process

TIMING = {
    "SCHEDULER_TICK": "1s",
    "NOTIFICATION_LEASE": "3s",
    "REMINDER_LEAD_INTERVAL": "1s",
    "REMINDER_LEAD_MAX": "1",
    "REMINDER_SEVERITY_MAX": "0",
    "REMINDER_CLOSE_MAX": "0",
    "STATUS_UPDATE_CADENCE": "",
}


@pytest.mark.parametrize("reached_slack", [False, True], ids=["post-lost", "post-reached-slack"])
async def test_a_killed_replicas_notification_is_sent_once_by_another(
    slack: FakeSlack, people: People, postgres_template: PostgresTemplate, tmp_path: Path, reached_slack: bool
) -> None:
    await postgres_template.reset()
    env = clean_env(**slack.env(), DATABASE_URL=postgres_template.url, HTTP_PORT="0", **TIMING)
    # The first replica's reminder hangs in flight: either before Slack posts it, or after (the reply
    # is what gets lost). The second replica must tell the two apart.
    if reached_slack:
        slack.fail("chat.postMessage", None, hold=30, match=is_notification_post)
    else:
        slack.fail("chat.postMessage", "internal_error", delay=30, match=is_notification_post)
    first = await start_bot_process(env, tmp_path, "--no-migrate")
    try:
        await slack.wait_connected(timeout=20)
        room = (await declare(slack, people, "Disk full")).channel
        assert room is not None
        await slack.wait_for(
            lambda: [
                c for c in slack.arrivals if c.method == "chat.postMessage" and is_notification_post(c.args)
            ],
            timeout=10,
        )
        first.send_signal(signal.SIGKILL)  # claimed, sending, lease held: now gone
        await first.wait()
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()

    overrides = {key.lower(): value for key, value in TIMING.items()}
    second = await RunningBot(slack, bot_settings(slack, postgres_template.url, **overrides)).start()
    try:
        posts = [c for c in slack.arrivals if c.method == "chat.postMessage" and is_notification_post(c.args)]
        await slack.wait_for(
            lambda: len([c for c in slack.arrivals if c.method == "conversations.history"]) >= 1, timeout=15
        )  # the second replica checked whether the first one's post made it
        if not reached_slack:
            await slack.wait_for(lambda: reminders(slack, room, "doesn't have a lead"), timeout=15)
        await asyncio.sleep(2)  # two more ticks: nothing is posted a second time
        assert len(reminders(slack, room, "doesn't have a lead")) == 1
        later = [c for c in slack.arrivals if c.method == "chat.postMessage" and is_notification_post(c.args)]
        assert len(later) == len(posts) + (0 if reached_slack else 1)
    finally:
        await second.stop()
