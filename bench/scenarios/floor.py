"""The floor: a bare Bolt app (`bench.bare_bolt`) acking everything, measured the way the bot is, so
the bot's numbers can be read as a ratio to what Bolt and the fake cost by themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.harness import Bench, idle_acks, storm
from tests.fakeslack import BOT_USER_ID, FakeSlack
from tests.fakeslack.model import Message
from tests.support.process import clean_env

BUTTON = {
    "type": "actions",
    "elements": [
        {
            "type": "button",
            "action_id": "floor_button",
            "text": {"type": "plain_text", "text": "Go"},
            "value": "1",
        }
    ],
}


@dataclass
class Floor:
    idle: dict[str, Any]
    storm: dict[str, float]
    rss_mb: float


async def run(bench: Bench, slack: FakeSlack) -> Floor:
    process = bench.spawn("floor", ["-m", "bench.bare_bolt"], clean_env(**slack.env()))
    await process.start(slack)
    room = slack.add_channel("floor-room", *bench.people)
    ts = slack.workspace.ids.ts()
    message = Message(room.id, ts, "a button", user=BOT_USER_ID, bot_id="B0FAKEBOT", blocks=[BUTTON])
    button = slack.workspace.add_message(room, message)
    idle = await idle_acks(bench, slack, "floor", bench.people[0], room, button)
    sizes = bench.sizes
    latencies, _ = await storm(slack, bench.people, [room], sizes.storm, sizes.storm_rate)
    in_storm = bench.report.latency(
        "floor", f"ack, {sizes.storm} events at {sizes.storm_rate}/s", latencies, smoke=True
    )
    rss = process.rss_mb()
    bench.report.add("floor", "resident memory (idle after the storm)", f"{rss} MB")
    await process.stop()
    return Floor(idle, in_storm, rss)
