"""What every scenario shares: the sizes, the processes under test, a fresh fake workspace, the
load generator, and the steps several scenarios take (idle acks, one timed declaration)."""

from __future__ import annotations

import asyncio
import random
import re
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.stats import Report
from tests.fakeslack import Channel, FakeSlack, Message, User

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


@dataclass
class Sizes:
    declares: int
    storm: int
    storm_rate: int
    concurrent: int
    incidents: int
    ramp: tuple[int, ...]
    ramp_events: int
    page_requests: int


FULL = Sizes(
    declares=20,
    storm=2000,
    storm_rate=200,
    concurrent=50,
    incidents=10_000,
    ramp=(400, 800, 1600, 3200),
    ramp_events=1500,
    page_requests=40,
)
SMOKE = Sizes(
    declares=3,
    storm=100,
    storm_rate=100,
    concurrent=5,
    incidents=300,
    ramp=(400,),
    ramp_events=200,
    page_requests=5,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Process:
    """A process under test, its output in a log file, and its memory."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], workdir: Path) -> None:
        self.name, self.args, self.env, self.workdir = name, args, env, workdir
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, slack: FakeSlack) -> float:
        """Seconds from starting the process to its Socket Mode connection being open."""
        connections = slack.hub.connects
        began = time.monotonic()
        with open(self.workdir / f"{self.name}.log", "ab") as log:  # noqa: ASYNC230 - once per start
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, *self.args, env=self.env, cwd=ROOT, stdout=log, stderr=log
            )
        await slack.wait_for(
            lambda: slack.hub.connects > connections, timeout=60, what=f"{self.name} to connect"
        )
        return time.monotonic() - began

    def rss_mb(self) -> float:
        assert self.proc is not None
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        return round(int(match.group(1)) / 1024, 1) if match else float("nan")

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 15)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


@dataclass
class Bench:
    """One run: its sizes, its report, and what it started (stopped at the end, whatever fails)."""

    sizes: Sizes
    smoke: bool
    report: Report = field(default_factory=Report)
    spawned: list[Process] = field(default_factory=list)
    fakes: list[FakeSlack] = field(default_factory=list)
    people: list[User] = field(default_factory=list)
    workdir: Path = RESULTS / "logs"

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        for old in self.workdir.glob("*.log"):
            old.unlink()  # each run's logs on their own

    def spawn(self, name: str, args: list[str], env: dict[str, str]) -> Process:
        process = Process(name, args, env, self.workdir)
        self.spawned.append(process)
        return process

    async def workspace(self) -> FakeSlack:
        """A fresh fake Slack with people and channels. The floor and the bot each get their own,
        so the bot is not served by a fake still holding the floor's storm."""
        slack = await FakeSlack().start()
        self.fakes.append(slack)
        self.people = [slack.add_user(f"person{n}") for n in range(max(60, self.sizes.concurrent + 10))]
        slack.add_channel("general", *self.people)
        slack.add_channel("incidents", *self.people)
        return slack

    async def close(self) -> None:
        for process in self.spawned:
            await process.stop()
        for fake in self.fakes:
            await fake.stop()


# --- load ---------------------------------------------------------------------------------------


def delivery_for(slack: FakeSlack, ts: str) -> Any:
    return next(
        (
            d
            for d in slack.hub.deliveries
            if d.kind == "events_api"
            and d.payload.get("event", {}).get("ts") == ts
            and d.payload["event"].get("type") == "message"
        ),
        None,
    )


async def storm(
    slack: FakeSlack,
    people: list[User],
    rooms: list[Channel],
    count: int,
    rate: int,
    *,
    with_interactions: Any = None,
) -> tuple[list[float], int]:
    """`count` message events at `rate` per second into the rooms; a few mention a keyword, a few are
    pinned. Returns the events' ack latencies and how many Slack saw unacked."""
    rng = random.Random(count * rate)
    sent: list[str] = []
    pins: list[asyncio.Future[Any]] = []
    interactions: list[asyncio.Future[Any]] = []
    began = time.monotonic()
    for n in range(count):
        due = began + n / rate
        if (delay := due - time.monotonic()) > 0:
            await asyncio.sleep(delay)
        person, room = rng.choice(people), rng.choice(rooms)
        text = rng.choice(
            [
                "checking the dashboards",
                "errors down to 2%",
                "rolling back now",
                "anyone seen the runbook for this?",
                "deploy 4512 looks suspicious",
            ]
        )
        message = await slack.say(person, room, text)
        sent.append(message.ts)
        if n % 100 == 50:
            pins.append(asyncio.ensure_future(slack.pin(person, message)))
        if with_interactions is not None and n % 50 == 25:
            interactions.append(asyncio.ensure_future(with_interactions(n)))
    await asyncio.gather(*pins, *interactions)
    await slack.settled(timeout=60)
    deliveries = [delivery_for(slack, ts) for ts in sent]
    latencies = [d.latency for d in deliveries if d is not None and d.latency is not None]
    unacked = sum(1 for d in slack.hub.deliveries if d.timed_out)
    return latencies, unacked


# --- steps several scenarios take -----------------------------------------------------------------


async def idle_acks(
    bench: Bench, slack: FakeSlack, label: str, user: User, room: Channel, button: Message
) -> dict[str, Any]:
    """Idle ack latencies: slash commands, button clicks, events."""
    general = slack.channel("general")
    slash, click, events = [], [], []
    for n in range(20):
        slash.append((await slack.slash(user, f"Idle check {n}", general)).latency)
        click.append((await slack.click(user, button, button.blocks[-1]["elements"][0]["action_id"])).latency)
        said = await slack.say(user, room, "just chatting")
        await slack.settled()
        events.append(delivery_for(slack, said.ts).latency)
    return {
        "slash": bench.report.latency(label, "ack, slash command (idle)", slash, smoke=True),
        "click": bench.report.latency(label, "ack, button click (idle)", click, smoke=True),
        "event": bench.report.latency(label, "ack, message event (idle)", events, smoke=True),
    }


async def declare_one(slack: FakeSlack, user: User, title: str) -> dict[str, float]:
    """Declare through the modal; how long until views.open, the headline, and the channel's welcome."""
    slash = await slack.slash(user, title, slack.channel("general"))
    opened = await slack.wait_for(
        lambda: next((c for c in slack.arrivals if c.method == "views.open" and c.at >= slash.sent_at), None)
    )
    view = await slack.wait_for_view(user, "incident_declare")
    seen = len(slack.arrivals)
    submitted = await slack.submit(user, view)
    start = submitted.delivery.sent_at

    def posted(kind: str) -> Any:
        return next(
            (
                c
                for c in slack.arrivals[seen:]
                if c.method == "chat.postMessage"
                and c.at >= start
                and (c.args.get("metadata") or {}).get("event_type") == kind
                and title[:20] in str(c.args.get("text"))
            ),
            None,
        )

    headline = await slack.wait_for(lambda: posted("incident_headline"), timeout=20)
    welcome = await slack.wait_for(lambda: posted("incident_welcome"), timeout=20)
    return {
        "views_open": opened.at - slash.sent_at,
        "headline": headline.at - start,
        "channel_ready": welcome.at - start,
        "slash_at": slash.sent_at,
    }


async def statements(http: aiohttp.ClientSession, port: int) -> int:
    """The bot's own count of database statements sent (from /metrics)."""
    async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
        text = await response.text()
    match = re.search(r"^response_db_statements_total (\d+)", text, re.MULTILINE)
    return int(match.group(1)) if match else 0
