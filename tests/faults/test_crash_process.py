"""The same crash points with a real process and a real SIGKILL (RESPONSE_CRASH_AT): the process dies
mid-way, another replica finishes what it stored, and nothing shows twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.fakeslack import BOT_USER_ID, FakeSlack
from tests.faults.test_crash_points import FAST, TITLE, UPDATE, all_effects_done, assert_declared_once
from tests.support.bot import RunningBot, bot_settings
from tests.support.crash import forgive_the_dead
from tests.support.databases import PostgresTemplate
from tests.support.flows import declare
from tests.support.people import People
from tests.support.process import clean_env, start_bot_process

pytestmark = pytest.mark.process
SETTINGS = {key.upper(): str(value) for key, value in FAST.items()}


async def crashing_process(
    slack: FakeSlack, postgres_template: PostgresTemplate, tmp_path: Path, point: str
) -> asyncio.subprocess.Process:
    await postgres_template.reset()
    env = clean_env(
        **slack.env(), DATABASE_URL=postgres_template.url, HTTP_PORT="0", RESPONSE_CRASH_AT=point, **SETTINGS
    )
    process = await start_bot_process(env, tmp_path, "--no-migrate")
    await slack.wait_connected(timeout=20)
    return process


async def died(process: asyncio.subprocess.Process) -> None:
    code = await asyncio.wait_for(process.wait(), 15)
    assert code == -9, f"the process should have been killed at its crash point (exit {code})"


@pytest.mark.parametrize("point", ["after:channel.create", "after:headline.post"])
async def test_a_process_killed_mid_declaration_leaves_nothing_half_made(
    slack: FakeSlack, people: People, postgres_template: PostgresTemplate, tmp_path: Path, point: str
) -> None:
    process = await crashing_process(slack, postgres_template, tmp_path, point)
    try:
        await slack.slash(people.alice, TITLE, people.general)
        view = await slack.wait_for_view(people.alice, "incident_declare", timeout=10)
        submitting = asyncio.ensure_future(slack.submit(people.alice, view, {"lead": people.bob.id}))
        await died(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    second = await RunningBot(slack, bot_settings(slack, postgres_template.url, **FAST)).start()
    try:
        await assert_declared_once(second, slack, people)
        await submitting
    finally:
        await second.stop()
    forgive_the_dead(slack)


async def test_a_process_killed_right_after_storing_a_command_still_shows_it_once(
    slack: FakeSlack, people: People, postgres_template: PostgresTemplate, tmp_path: Path
) -> None:
    """Issue: the redelivery found the command stored and skipped it, so it was never shown."""
    process = await crashing_process(slack, postgres_template, tmp_path, "committed:command")
    try:
        declared = await declare(slack, people, TITLE)
        room = declared.channel
        assert room is not None
        message = await slack.say(people.alice, room, f"<@{BOT_USER_ID}> {UPDATE}")
        await died(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    second = await RunningBot(slack, bot_settings(slack, postgres_template.url, **FAST)).start()
    try:
        await all_effects_done(second)
        await slack.wait_for(lambda: "white_check_mark" in message.reactions, timeout=10)
        assert message.reactions == {"white_check_mark": [BOT_USER_ID]}
        in_room = [m for m in slack.messages(room, include_threads=False) if "Update on Incident" in m.text]
        under = [m for m in slack.messages(people.incidents) if m.thread_ts == declared.headline.ts]
        assert len(in_room) == 1 and len(under) == 1
        await slack.settled(timeout=10)
    finally:
        await second.stop()
    forgive_the_dead(slack)
