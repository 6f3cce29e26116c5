"""What one declaration and each incident command cost: Slack Web API calls (from the fake's log)
and database statements (from the bot's own counter)."""

from __future__ import annotations

import aiohttp

from bench.harness import Bench, declare_one, statements
from tests.fakeslack import BOT_USER_ID, FakeSlack

CALLS_BUDGET = 9


async def run(bench: Bench, slack: FakeSlack, http: aiohttp.ClientSession, port: int) -> None:
    people = bench.people
    await slack.settled()
    before_calls, before_db = len(slack.arrivals), await statements(http, port)
    await declare_one(slack, people[3], "Counted declaration")
    await slack.wait_for(lambda: [e for e in slack.workspace.ephemerals if "Counted declaration" in e.text])
    await slack.settled()
    calls = [c.method for c in slack.arrivals[before_calls:]]
    db = await statements(http, port) - before_db
    bench.report.add(
        "cost",
        "Slack Web API calls, one declaration with its channel",
        f"{len(calls)}: {', '.join(calls)}",
        f"≤ {CALLS_BUDGET}",
        None if bench.smoke else len(calls) <= CALLS_BUDGET,
    )
    bench.report.add("cost", "database statements, one declaration", str(db))
    bench.report.data["declaration_calls"] = calls
    room = next(
        c
        for c in slack.workspace.channels.values()
        if c.name.startswith("inc-") and "counted-declaration" in c.name
    )
    await slack.join(people[4], room)
    await slack.settled()
    for text in (
        "sev 1",
        "status identified",
        f"lead <@{people[4].id}>",
        "update Rolled back",
        "action Add an alert",
        "summary Cards fail",
        "rename counted",
        "duration",
        "close",
    ):
        await slack.settled()
        before_calls, before_db = len(slack.arrivals), await statements(http, port)
        await slack.say(people[4], room, f"<@{BOT_USER_ID}> {text}")
        await slack.settled()
        calls = [
            c.method
            for c in slack.arrivals[before_calls:]
            if c.method not in ("conversations.open", "conversations.history")
        ]  # the report DM comes later
        db = await statements(http, port) - before_db
        bench.report.add(
            "cost",
            f"command `{text.split()[0]}`: Slack calls · database statements",
            f"{len(calls)} ({', '.join(calls)}) · {db}",
        )
