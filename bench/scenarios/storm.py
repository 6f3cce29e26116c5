"""Acks under load: idle acks next to the floor's, a storm of message events (with slash commands
and clicks mixed in) next to the floor's storm, then a ramp of event rates."""

from __future__ import annotations

from bench.harness import Bench, idle_acks, storm
from bench.scenarios.floor import Floor
from bench.stats import ms, percentile
from tests.fakeslack import FakeSlack


async def run(bench: Bench, slack: FakeSlack, floor: Floor) -> None:
    people, sizes, report, smoke = bench.people, bench.sizes, bench.report, bench.smoke
    rooms = [c for c in slack.workspace.channels.values() if c.name.startswith("inc-")][:10]
    for room in rooms:
        for person in people[:10]:
            room.members.add(person.id)
    headline = next(
        m
        for m in slack.messages("incidents")
        if m.metadata
        and m.metadata.get("event_type") == "incident_headline"
        and any(b.get("type") == "actions" for b in m.blocks)
    )
    idle = await idle_acks(bench, slack, "bot", people[5], rooms[0], headline)
    interaction_latencies: dict[str, list[float]] = {"slash": [], "click": []}
    general = slack.channel("general")

    async def interact(n: int) -> None:
        person = people[10 + (n // 50) % 40]
        interaction_latencies["slash"].append((await slack.slash(person, f"Storm {n}", general)).latency)
        interaction_latencies["click"].append((await slack.click(person, headline, "headline_edit")).latency)

    latencies, unacked = await storm(
        slack, people[:10], rooms, sizes.storm, sizes.storm_rate, with_interactions=interact
    )
    in_storm = report.latency(
        "bot",
        f"ack, {sizes.storm} message events at {sizes.storm_rate}/s",
        latencies,
        p50_budget=2,
        p99_budget=6,
        smoke=smoke,
    )
    report.latency("bot", "ack, slash commands during the storm", interaction_latencies["slash"], smoke=True)
    report.latency("bot", "ack, button clicks during the storm", interaction_latencies["click"], smoke=True)
    floor_p99 = floor.storm["p99_ms"]
    ratio = in_storm["p99_ms"] / floor_p99 if floor_p99 else float("nan")
    report.add(
        "bot",
        "storm ack p99 ÷ the floor's",
        f"{ratio:.2f}×",
        "≤ 3× (aim ≤ 2×)",
        None if smoke else ratio <= 3,
    )
    report.add(
        "bot",
        "events left unacked (Slack would retry them)",
        str(unacked),
        "0",
        unacked == 0,  # correctness, judged in the smoke run too
    )
    for kind in ("slash", "click", "event"):
        base, ours = floor.idle[kind]["p50_ms"], idle[kind]["p50_ms"]
        report.add("bot", f"idle {kind} ack p50 ÷ the floor's", f"{ours / base:.2f}×" if base else "n/a")

    best = 0
    for rate in sizes.ramp:
        latencies, unacked = await storm(slack, people[:10], rooms, sizes.ramp_events, rate)
        p99 = ms(percentile(latencies, 99))
        report.add("bot", f"ack at {rate} events/s", f"p99 {p99} ms · {unacked} unacked")
        if p99 < 100 and unacked == 0:
            best = rate
        else:
            break
    report.add(
        "bot",
        "highest sustained event rate with ack p99 < 100 ms",
        f"≥ {best}/s (tried {', '.join(map(str, sizes.ramp))})",
    )
