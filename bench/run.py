"""The benchmark: the real `response-bot` process against the fake Slack on loopback, with PostgreSQL,
measured next to a bare Bolt app (the floor). Prints a table and writes bench/results/latest.json.

    python -m bench.run            # the full run (about a minute)
    python -m bench.run --smoke    # small counts, no speed verdicts (CI runs this)

Exits 1 when a line with a verdict is missed: in the smoke run only correctness lines have one
(every concurrent declaration made and none mixed up, no event left unacked).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import signal
import socket
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench import dataset
from bench.stats import Report, ms, percentile
from response_bot.db import migrate
from tests.fakeslack import BOT_USER_ID, Channel, FakeSlack, Message, User
from tests.fakeslack.model import Message as SlackMessage
from tests.support.databases import ADMIN_DSN, create_postgres_database, drop_postgres_database, postgres_url
from tests.support.process import clean_env

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


# --- load -------------------------------------------------------------------------------------


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


# --- the steps ----------------------------------------------------------------------------------


class Bench:
    def __init__(self, sizes: Sizes, smoke: bool) -> None:
        self.sizes, self.smoke = sizes, smoke
        self.report = Report()
        self.workdir = RESULTS / "logs"
        self.workdir.mkdir(parents=True, exist_ok=True)
        for old in self.workdir.glob("*.log"):
            old.unlink()  # each run's logs on their own
        self.spawned: list[Process] = []

    def spawn(self, name: str, args: list[str], env: dict[str, str]) -> Process:
        """A process this run owns: stopped at the end even when a step fails."""
        process = Process(name, args, env, self.workdir)
        self.spawned.append(process)
        return process

    async def workspace(self) -> FakeSlack:
        """A fresh fake Slack with people and channels. The floor and the bot each get their own,
        so the bot is not served by a fake still holding the floor's storm."""
        slack = await FakeSlack().start()
        self.fakes.append(slack)
        self.people = [slack.add_user(f"person{n}") for n in range(max(60, self.sizes.concurrent + 10))]
        self.general = slack.add_channel("general", *self.people)
        slack.add_channel("incidents", *self.people)
        return slack

    async def run(self) -> Report:
        database = f"response_bench_{uuid.uuid4().hex[:8]}"
        await create_postgres_database(database)
        url = postgres_url(ADMIN_DSN, database)
        await asyncio.to_thread(migrate.upgrade, url)
        self.fakes: list[FakeSlack] = []
        try:
            floor = await self.floor(await self.workspace())
            await self.bot(await self.workspace(), url, floor)
        finally:
            for process in self.spawned:
                await process.stop()
            for fake in self.fakes:
                await fake.stop()
            await drop_postgres_database(database)
        self.report.data["machine"] = {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(),
        }
        return self.report

    async def acks(
        self, slack: FakeSlack, label: str, user: User, room: Channel, button: Message
    ) -> dict[str, Any]:
        """Idle ack latencies: slash commands, button clicks, events."""
        slash, click, events = [], [], []
        for n in range(20):
            slash.append((await slack.slash(user, f"Idle check {n}", self.general)).latency)
            click.append(
                (await slack.click(user, button, button.blocks[-1]["elements"][0]["action_id"])).latency
            )
            said = await slack.say(user, room, "just chatting")
            await slack.settled()
            events.append(delivery_for(slack, said.ts).latency)
        return {
            "slash": self.report.latency(label, "ack, slash command (idle)", slash, smoke=True),
            "click": self.report.latency(label, "ack, button click (idle)", click, smoke=True),
            "event": self.report.latency(label, "ack, message event (idle)", events, smoke=True),
        }

    async def floor(self, slack: FakeSlack) -> dict[str, Any]:
        env = clean_env(**slack.env())
        process = self.spawn("floor", ["-m", "bench.floor"], env)
        await process.start(slack)
        room = slack.add_channel("floor-room", *self.people)
        button = slack.workspace.add_message(
            room,
            SlackMessage(
                room.id,
                slack.workspace.ids.ts(),
                "a button",
                user=BOT_USER_ID,
                bot_id="B0FAKEBOT",
                blocks=[
                    {
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
                ],
            ),
        )
        idle = await self.acks(slack, "floor", self.people[0], room, button)
        latencies, _ = await storm(slack, self.people, [room], self.sizes.storm, self.sizes.storm_rate)
        in_storm = self.report.latency(
            "floor", f"ack, {self.sizes.storm} events at {self.sizes.storm_rate}/s", latencies, smoke=True
        )
        rss = process.rss_mb()
        self.report.add("floor", "resident memory (idle after the storm)", f"{rss} MB")
        await process.stop()
        return {"idle": idle, "storm": in_storm, "rss_mb": rss}

    async def declare_one(self, slack: FakeSlack, user: User, title: str) -> dict[str, float]:
        slash = await slack.slash(user, title, self.general)
        opened = await slack.wait_for(
            lambda: next(
                (c for c in slack.arrivals if c.method == "views.open" and c.at >= slash.sent_at), None
            )
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

    async def statements(self, session: aiohttp.ClientSession, port: int) -> int:
        async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
            text = await response.text()
        match = re.search(r"^response_db_statements_total (\d+)", text, re.MULTILINE)
        return int(match.group(1)) if match else 0

    async def bot(self, slack: FakeSlack, url: str, floor: dict[str, Any]) -> None:
        port = free_port()
        token = uuid.uuid4().hex
        env = clean_env(
            **slack.env(),
            DATABASE_URL=url,
            HTTP_PORT=str(port),
            RESPONSE_PLUGINS="bench.plugin",
            API_TOKENS=token,
            LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
        )
        process = self.spawn("response-bot", ["-m", "response_bot", "run", "--no-migrate"], env)
        startup_empty = await process.start(slack)
        self.report.add(
            "start-up",
            "process start → Socket Mode connected (empty database)",
            f"{startup_empty:.2f} s",
            "≤ 2 s",
            None if self.smoke else startup_empty <= 2,
        )
        await asyncio.sleep(2)
        rss_idle = process.rss_mb()
        self.report.add(
            "memory", "resident, idle", f"{rss_idle} MB", "≤ 100 MB", None if self.smoke else rss_idle <= 100
        )
        async with aiohttp.ClientSession() as http:
            await self.flows(slack, http, port, floor)
            await self.concurrency(slack)
            await process.stop()
            await dataset.fill(url.replace("+asyncpg", ""), self.sizes.incidents)
            startup_full = await process.start(slack)
            self.report.add(
                "start-up",
                f"process start → connected ({self.sizes.incidents:,} incidents)",
                f"{startup_full:.2f} s",
                "≤ 2 s",
                None if self.smoke else startup_full <= 2,
            )
            await self.pages(http, port, token)
            await self.declare_one(slack, self.people[1], "After the big import")
            rss_full = process.rss_mb()
            self.report.add(
                "memory",
                f"resident, after {self.sizes.incidents:,} incidents with timelines",
                f"{rss_full} MB",
                "≤ 150 MB",
                None if self.smoke else rss_full <= 150,
            )
            self.report.data["rss_mb"] = {"idle": rss_idle, "loaded": rss_full, "floor": floor["rss_mb"]}
        await process.stop()

    async def flows(
        self, slack: FakeSlack, http: aiohttp.ClientSession, port: int, floor: dict[str, Any]
    ) -> None:
        # The first declaration after a start compiles and prepares every statement on its way:
        # shown on its own, then the budgets apply to the steady state after it.
        cold = await self.declare_one(slack, self.people[0], "Benchmark incident, cold")
        await slack.settled()
        self.report.add(
            "declare",
            "first declaration after start (cold): views.open · headline · channel ready",
            f"{ms(cold['views_open'])} ms · {ms(cold['headline'])} ms · {ms(cold['channel_ready'])} ms",
        )
        timings = []
        for n in range(self.sizes.declares):
            timings.append(await self.declare_one(slack, self.people[n % 10], f"Benchmark incident {n}"))
            await slack.settled()
        smoke = self.smoke
        self.report.latency(
            "declare",
            "slash command → views.open called",
            [t["views_open"] for t in timings],
            p99_budget=15,
            smoke=smoke,
        )
        self.report.latency(
            "declare",
            "submission → headline posted",
            [t["headline"] for t in timings],
            p50_budget=15,
            smoke=smoke,
        )
        self.report.latency(
            "declare",
            "submission → channel ready (made, invited, topic, bookmark, welcome)",
            [t["channel_ready"] for t in timings],
            p50_budget=60,
            smoke=smoke,
        )

        # What one declaration costs, counted from the fake's log and the bot's own counter.
        await slack.settled()
        before_calls, before_db = len(slack.arrivals), await self.statements(http, port)
        await self.declare_one(slack, self.people[3], "Counted declaration")
        await slack.wait_for(
            lambda: [e for e in slack.workspace.ephemerals if "Counted declaration" in e.text]
        )
        await slack.settled()
        calls = [c.method for c in slack.arrivals[before_calls:]]
        db = await self.statements(http, port) - before_db
        self.report.add(
            "cost",
            "Slack Web API calls, one declaration with its channel",
            f"{len(calls)}: {', '.join(calls)}",
            "≤ 9",
            None if smoke else len(calls) <= 9,
        )
        self.report.add("cost", "database statements, one declaration", str(db))
        self.report.data["declaration_calls"] = calls
        room = next(
            c
            for c in slack.workspace.channels.values()
            if c.name.startswith("inc-") and "counted-declaration" in c.name
        )
        await slack.join(self.people[4], room)
        await slack.settled()
        for text in (
            "sev 1",
            "status identified",
            f"lead <@{self.people[4].id}>",
            "update Rolled back",
            "action Add an alert",
            "summary Cards fail",
            "rename counted",
            "duration",
            "close",
        ):
            await slack.settled()
            before_calls, before_db = len(slack.arrivals), await self.statements(http, port)
            await slack.say(self.people[4], room, f"<@{BOT_USER_ID}> {text}")
            await slack.settled()
            calls = [
                c.method
                for c in slack.arrivals[before_calls:]
                if c.method not in ("conversations.open", "conversations.history")
            ]  # the report DM comes later
            db = await self.statements(http, port) - before_db
            name = text.split()[0]
            self.report.add(
                "cost",
                f"command `{name}`: Slack calls · database statements",
                f"{len(calls)} ({', '.join(calls)}) · {db}",
            )

        # Acks, idle and in a storm, next to the floor's.
        rooms = [c for c in slack.workspace.channels.values() if c.name.startswith("inc-")][:10]
        for room in rooms:
            for person in self.people[:10]:
                room.members.add(person.id)
        headline = next(
            m
            for m in slack.messages("incidents")
            if m.metadata
            and m.metadata.get("event_type") == "incident_headline"
            and any(b.get("type") == "actions" for b in m.blocks)
        )
        idle = await self.acks(slack, "bot", self.people[5], rooms[0], headline)
        interaction_latencies: dict[str, list[float]] = {"slash": [], "click": []}

        async def interact(n: int) -> None:
            person = self.people[10 + (n // 50) % 40]
            interaction_latencies["slash"].append(
                (await slack.slash(person, f"Storm {n}", self.general)).latency
            )
            interaction_latencies["click"].append(
                (await slack.click(person, headline, "headline_edit")).latency
            )

        latencies, unacked = await storm(
            slack,
            self.people[:10],
            rooms,
            self.sizes.storm,
            self.sizes.storm_rate,
            with_interactions=interact,
        )
        rate = self.sizes.storm_rate
        in_storm = self.report.latency(
            "bot",
            f"ack, {self.sizes.storm} message events at {rate}/s",
            latencies,
            p50_budget=2,
            p99_budget=6,
            smoke=smoke,
        )
        self.report.latency(
            "bot", "ack, slash commands during the storm", interaction_latencies["slash"], smoke=True
        )
        self.report.latency(
            "bot", "ack, button clicks during the storm", interaction_latencies["click"], smoke=True
        )
        ratio = in_storm["p99_ms"] / floor["storm"]["p99_ms"] if floor["storm"]["p99_ms"] else float("nan")
        self.report.add(
            "bot",
            "storm ack p99 ÷ the floor's",
            f"{ratio:.2f}×",
            "≤ 3× (aim ≤ 2×)",
            None if smoke else ratio <= 3,
        )
        self.report.add(
            "bot",
            "events left unacked (Slack would retry them)",
            str(unacked),
            "0",
            unacked == 0,  # correctness, judged in the smoke run too
        )
        for kind in ("slash", "click", "event"):
            base = floor["idle"][kind]["p50_ms"]
            ours = idle[kind]["p50_ms"]
            self.report.add(
                "bot", f"idle {kind} ack p50 ÷ the floor's", f"{ours / base:.2f}×" if base else "n/a"
            )

        best = 0
        for rate in self.sizes.ramp:
            latencies, unacked = await storm(slack, self.people[:10], rooms, self.sizes.ramp_events, rate)
            p99 = ms(percentile(latencies, 99))
            self.report.add("bot", f"ack at {rate} events/s", f"p99 {p99} ms · {unacked} unacked")
            if p99 < 100 and unacked == 0:
                best = rate
            else:
                break
        self.report.add(
            "bot",
            "highest sustained event rate with ack p99 < 100 ms",
            f"≥ {best}/s (tried {', '.join(map(str, self.sizes.ramp))})",
        )

    async def concurrency(self, slack: FakeSlack) -> None:
        count = self.sizes.concurrent
        people = self.people[10 : 10 + count]
        views = []
        for n, person in enumerate(people):
            await slack.slash(person, f"Concurrent incident {n:03d}", self.general)
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
        self.report.add(
            "concurrency",
            f"{count} incidents declared at once",
            f"all {len(channels)} made, {len(mixed)} mixed up, in {took:.2f} s",
            "all complete",
            ok,  # correctness, not speed: judged in the smoke run too
        )

    async def pages(self, http: aiohttp.ClientSession, port: int, token: str) -> None:
        async def timed(path: str, **kwargs: Any) -> list[float]:
            samples = []
            for _ in range(self.sizes.page_requests):
                began = time.monotonic()
                async with http.get(f"http://127.0.0.1:{port}{path}", **kwargs) as response:
                    await response.read()
                    assert response.status == 200, (path, response.status)
                samples.append(time.monotonic() - began)
            return samples

        count = f"{self.sizes.incidents:,}"
        self.report.latency(
            "web",
            f"incident list page, {count} incidents",
            await timed("/"),
            p50_budget=100,
            smoke=self.smoke,
        )
        self.report.latency(
            "web",
            f"JSON incident list, {count} incidents",
            await timed("/api/v1/incidents", headers={"Authorization": f"Bearer {token}"}),
            p50_budget=100,
            smoke=self.smoke,
        )
        self.report.latency(
            "web", "an incident doc page with its timeline", await timed("/incidents/25"), smoke=True
        )


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="small counts, no speed verdicts")
    args = parser.parse_args()
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        os.environ.pop(name, None)
    started = time.monotonic()
    report = await Bench(SMOKE if args.smoke else FULL, args.smoke).run()
    report.data["took_seconds"] = round(time.monotonic() - started, 1)
    report.data["smoke"] = args.smoke
    report.data["rows"] = [row.__dict__ for row in report.rows]
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("smoke.json" if args.smoke else "latest.json")
    out.write_text(json.dumps(report.data, indent=2))
    print(report.markdown())
    print(
        f"\n{len(report.rows)} measurements in {report.data['took_seconds']} s;"
        f" written to {out.relative_to(ROOT)}"
    )
    missed = [row for row in report.rows if row.verdict == "MISSED"]
    if missed:
        print(f"{len(missed)} lines missed: " + "; ".join(row.measure for row in missed))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
