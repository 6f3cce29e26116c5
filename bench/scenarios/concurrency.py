"""Many incidents declared at the same moment: every one made, none mixed up with another."""

from __future__ import annotations

import asyncio
import time

from bench.harness import Bench
from tests.fakeslack import FakeSlack


async def run(bench: Bench, slack: FakeSlack) -> None:
    count = bench.sizes.concurrent
    people = bench.people[10 : 10 + count]
    general = slack.channel("general")
    views = []
    for n, person in enumerate(people):
        await slack.slash(person, f"Concurrent incident {n:03d}", general)
        views.append((person, await slack.wait_for_view(person, "incident_declare")))
    began = time.monotonic()
    results = await asyncio.gather(*(slack.submit(p, v) for p, v in views))
    welcome = [f"Concurrent incident {n:03d}" for n in range(count)]

    def all_ready() -> bool:
        texts = [
            m.text
            for c in slack.workspace.channels.values()
            for m in c.messages
            if m.metadata and m.metadata.get("event_type") == "incident_welcome"
        ]
        return all(any(w in t for t in texts) for w in welcome)

    await slack.wait_for(all_ready, timeout=120)
    took = time.monotonic() - began
    channels = [c for c in slack.workspace.channels.values() if "concurrent-incident" in c.name]
    mixed = [
        c.name
        for c in channels
        if f"concurrent-incident-{c.topic.split('Concurrent incident ')[1][:3]}" not in c.name
    ]
    ok = all(r.closed for r in results) and len(channels) == count and not mixed
    bench.report.add(
        "concurrency",
        f"{count} incidents declared at once",
        f"all {len(channels)} made, {len(mixed)} mixed up, in {took:.2f} s",
        "all complete",
        ok,  # correctness, not speed: judged in the smoke run too
    )
