"""Declaring: slash command → views.open, submission → headline, submission → channel ready; the
first declaration after a start on its own (it compiles and prepares every statement on its way),
then the budgets on the steady state after it."""

from __future__ import annotations

from bench.harness import Bench, declare_one
from bench.stats import ms
from tests.fakeslack import FakeSlack


async def run(bench: Bench, slack: FakeSlack) -> None:
    people = bench.people
    cold = await declare_one(slack, people[0], "Benchmark incident, cold")
    await slack.settled()
    bench.report.add(
        "declare",
        "first declaration after start (cold): views.open · headline · channel ready",
        f"{ms(cold['views_open'])} ms · {ms(cold['headline'])} ms · {ms(cold['channel_ready'])} ms",
    )
    timings = []
    for n in range(bench.sizes.declares):
        timings.append(await declare_one(slack, people[n % 10], f"Benchmark incident {n}"))
        await slack.settled()
    smoke = bench.smoke
    bench.report.latency(
        "declare",
        "slash command → views.open called",
        [t["views_open"] for t in timings],
        p99_budget=15,
        smoke=smoke,
    )
    bench.report.latency(
        "declare",
        "submission → headline posted",
        [t["headline"] for t in timings],
        p50_budget=15,
        smoke=smoke,
    )
    bench.report.latency(
        "declare",
        "submission → channel ready (made, invited, topic, bookmark, welcome)",
        [t["channel_ready"] for t in timings],
        p50_budget=60,
        smoke=smoke,
    )
