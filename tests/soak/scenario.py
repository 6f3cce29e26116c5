"""The soak: several real replicas on one PostgreSQL under mixed traffic, while replicas are killed
(SIGKILL) at random, PostgreSQL is restarted and Slack answers 429 and 500 now and then. Afterwards,
what Slack shows must match what is stored: nothing acked lost, nothing shown twice, nothing left
half made.

    python -m tests.soak [--seconds 75] [--seed N]     # prints its figures
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from response_bot.db.engine import Database
from response_bot.db.idempotency import HandledDelivery
from response_bot.effects.models import Effect, EffectStatus
from response_bot.incidents.models import Incident, Proposal
from response_bot.incidents.repository import with_people
from response_bot.timeline.models import EntryKind, TimelineEntry
from tests.fakeslack import BOT_USER_ID, Channel, FakeSlack, Message, User
from tests.fakeslack.server import Fault
from tests.support.pgcluster import PrivateCluster
from tests.support.process import clean_env, start_bot_process

WRITES = (
    "chat.postMessage",
    "chat.update",
    "conversations.create",
    "conversations.invite",
    "conversations.setTopic",
    "bookmarks.add",
    "reactions.add",
)
SETTINGS = {
    "SCHEDULER_TICK": "1s",
    "NOTIFICATION_LEASE": "3s",
    "ANNOUNCE_CHECK_AFTER": "10s",
    "REMINDER_LEAD_MAX": "0",
    "REMINDER_SEVERITY_MAX": "0",
    "REMINDER_CLOSE_MAX": "0",
    "STATUS_UPDATE_CADENCE": "",
    "LOG_LEVEL": "WARNING",
    "HTTP_PORT": "0",
}


@dataclass
class Figures:
    seed: int
    seconds: float = 0.0
    replicas_started: int = 0
    replicas_killed: int = 0
    postgres_down_seconds: float = 0.0
    slack_faults: Counter[str] = field(default_factory=Counter)
    declarations_tried: int = 0
    declarations_acked: int = 0
    incidents_stored: int = 0
    commands_sent: int = 0
    commands_stored: int = 0
    effects_done: int = 0
    effect_seconds: list[float] = field(default_factory=list)
    quiet_after: float = 0.0
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        latencies = sorted(self.effect_seconds) or [0.0]

        def at(q: float) -> float:
            return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

        faults = ", ".join(f"{n} × {kind}" for kind, n in sorted(self.slack_faults.items())) or "none"
        return [
            f"seed {self.seed}; traffic for {self.seconds:.0f} s",
            f"replicas: {self.replicas_started} started, {self.replicas_killed} killed with SIGKILL",
            f"PostgreSQL: restarted once, down {self.postgres_down_seconds:.1f} s",
            f"Slack faults injected: {faults}",
            f"declarations: {self.declarations_tried} submitted, {self.declarations_acked} acked, "
            f"{self.incidents_stored} incidents stored",
            f"commands: {self.commands_sent} sent, {self.commands_stored} stored",
            f"effects: {self.effects_done} done; stored → done p50 {at(0.5):.2f} s, p99 {at(0.99):.2f} s, "
            f"max {latencies[-1]:.2f} s",
            f"everything shown {self.quiet_after:.1f} s after the traffic stopped",
            f"problems: {len(self.problems)}" + "".join(f"\n  - {p}" for p in self.problems[:20]),
        ]


class Soak:
    def __init__(
        self, slack: FakeSlack, cluster: PrivateCluster, workdir: Path, *, seconds: float, seed: int
    ) -> None:
        self.slack = slack
        self.cluster = cluster
        self.workdir = workdir
        self.seconds = seconds
        self.random = random.Random(seed)
        self.figures = Figures(seed)
        self.replicas: dict[int, asyncio.subprocess.Process] = {}
        self._next_replica = 0
        self.people: list[User] = []
        self.general: Channel | None = None
        self.incidents_channel: Channel | None = None
        self.acked_titles: set[str] = set()
        self.commands: list[Message] = []
        self._stop = asyncio.Event()

    # --- the world -------------------------------------------------------------------------

    def _chaos(self, method: str, args: dict[str, Any]) -> Fault | None:
        if method not in WRITES or self.random.random() > 0.04:
            return None
        if self.random.random() < 0.5:
            self.figures.slack_faults["429"] += 1
            return Fault(method, 0, "ratelimited", status=429, retry_after=1)
        self.figures.slack_faults["500"] += 1
        return Fault(method, 0, "internal_error", status=500)

    async def start_replica(self) -> None:
        number = self._next_replica = self._next_replica + 1
        home = self.workdir / f"replica-{number}"
        home.mkdir(parents=True, exist_ok=True)
        env = clean_env(**self.slack.env(), DATABASE_URL=self.cluster.url, **SETTINGS)
        self.replicas[number] = await start_bot_process(env, home, "--no-migrate")
        self.figures.replicas_started += 1

    async def kill_replica(self) -> None:
        live = [n for n, p in self.replicas.items() if p.returncode is None]
        if not live:
            return
        victim = self.replicas.pop(self.random.choice(live))
        victim.send_signal(signal.SIGKILL)
        await victim.wait()
        self.figures.replicas_killed += 1

    # --- traffic ---------------------------------------------------------------------------

    async def declarer(self) -> None:
        number = 0
        while not self._stop.is_set():
            number += 1
            reporter = self.random.choice(self.people)
            title = f"Soak incident {number}"
            self.figures.declarations_tried += 1
            with contextlib.suppress(AssertionError):
                await self._declare(reporter, title)
            await asyncio.sleep(self.random.uniform(0.8, 2.0))

    async def _declare(self, reporter: User, title: str) -> None:
        assert self.general is not None
        self.slack.workspace.stacks[reporter.id] = []  # whatever form was left open, closed
        await self.slack.slash(reporter, title, self.general)
        view = await self.slack.wait_for_view(reporter, "incident_declare", timeout=5)
        entered = str((view.input("title") or {}).get("initial_value", ""))
        lead = self.random.choice(self.people)
        for _ in range(3):  # as a person would: "try again" means submit the same form again
            result = await self.slack.submit(reporter, view, {"lead": lead.id})
            if result.closed:
                self.acked_titles.add(entered)
                self.figures.declarations_acked += 1
                return
            await asyncio.sleep(1)

    async def commander(self) -> None:
        number = 0
        while not self._stop.is_set():
            await asyncio.sleep(self.random.uniform(0.2, 0.6))
            rooms = [
                c
                for c in self.slack.workspace.channels.values()
                if c.creator == BOT_USER_ID and c.name.startswith("inc-") and not c.archived
            ]
            if not rooms:
                continue
            room = self.random.choice(rooms)
            speakers = [p for p in self.people if p.id in room.members]
            if not speakers:
                continue
            number += 1
            text = self.random.choice(
                [
                    f"update soak update #{number}!",
                    f"sev {self.random.randint(1, 4)}",
                    f"status {self.random.choice(['identified', 'monitoring', 'investigating'])}",
                    f"action soak action {number}",
                    f"summary soak summary {number}",
                ]
            )
            self.commands.append(
                await self.slack.say(self.random.choice(speakers), room, f"<@{BOT_USER_ID}> {text}")
            )
            self.figures.commands_sent += 1

    async def killer(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.random.uniform(10, 16))
            if self._stop.is_set():
                return
            await self.kill_replica()
            await self.keep_up()

    async def keep_up(self, count: int = 3) -> None:
        """Replace replicas that exited (one started while PostgreSQL was down stops at once)."""
        for number, process in list(self.replicas.items()):
            if process.returncode is not None:
                del self.replicas[number]
        while len(self.replicas) < count:
            await self.start_replica()

    async def postgres_restart(self) -> None:
        await asyncio.sleep(self.seconds * 0.35)
        down = time.monotonic()
        await self.cluster.stop_async()
        await asyncio.sleep(4)
        await self.cluster.start_async()
        self.figures.postgres_down_seconds = time.monotonic() - down
        await asyncio.sleep(1)
        await self.keep_up()

    # --- the run ---------------------------------------------------------------------------

    async def run(self) -> Figures:
        self.people = [self.slack.add_user(f"soaker{n}") for n in range(6)]
        self.general = self.slack.add_channel("general", *self.people)
        self.incidents_channel = self.slack.add_channel("incidents", *self.people)
        self.slack.hub.retry_delays = (0.5, 2.0, 5.0)
        for _ in range(3):
            await self.start_replica()
        await self.slack.wait_connected(count=3, timeout=30)
        self.slack.chaos = self._chaos
        started = time.monotonic()
        workers = [
            asyncio.create_task(self.declarer()),
            asyncio.create_task(self.commander()),
            asyncio.create_task(self.killer()),
            asyncio.create_task(self.postgres_restart()),
        ]
        await asyncio.sleep(self.seconds)
        self._stop.set()
        await asyncio.gather(*workers, return_exceptions=True)
        self.figures.seconds = time.monotonic() - started
        self.slack.chaos = None
        await self.keep_up()
        stopped = time.monotonic()
        await self._quiet()
        self.figures.quiet_after = time.monotonic() - stopped
        for process in self.replicas.values():
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        await asyncio.gather(*(p.wait() for p in self.replicas.values()))
        await self.check()
        return self.figures

    async def _quiet(self, timeout: float = 90) -> None:
        """Every envelope settled and every effect done (or the timeout: then `check` says what is not)."""
        db = Database(self.cluster.url)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self.slack.hub.in_flight == 0:
                    with contextlib.suppress(Exception):
                        async with db.transaction() as session:
                            statuses = set((await session.scalars(select(Effect.status))).all())
                        if statuses <= {EffectStatus.DONE}:
                            return
                await asyncio.sleep(0.5)
        finally:
            await db.dispose()

    # --- what must be true -----------------------------------------------------------------

    async def check(self) -> None:
        db = Database(self.cluster.url)
        try:
            async with db.transaction(timeout=30) as session:
                found = await session.execute(with_people().order_by(Incident.id))
                incidents = list(found.unique().scalars().all())
                effects = list((await session.scalars(select(Effect))).all())
                updates = list(
                    (
                        await session.scalars(
                            select(TimelineEntry).where(TimelineEntry.kind == EntryKind.UPDATE)
                        )
                    ).all()
                )
                keys = set((await session.scalars(select(HandledDelivery.key))).all())
                proposed = set((await session.scalars(select(Proposal.text))).all())
        finally:
            await db.dispose()
        problems = self.figures.problems
        self.figures.incidents_stored = len(incidents)
        self.figures.effects_done = len([e for e in effects if e.status == EffectStatus.DONE])
        self.figures.effect_seconds = [
            (e.done_at - e.created_at).total_seconds() for e in effects if e.done_at is not None
        ]
        problems += [
            f"effect {e.id} ({e.kind}) is {e.status}: {e.last_error}"
            for e in effects
            if e.status != EffectStatus.DONE
        ]

        titles = Counter(i.title for i in incidents)
        problems += [f"{title!r} stored {n} times" for title, n in titles.items() if n > 1]
        problems += [f"acked {title!r} was not stored" for title in self.acked_titles - set(titles)]

        made = {c.id: c for c in self.slack.workspace.channels.values() if c.creator == BOT_USER_ID}
        owned = {i.channel_id for i in incidents}
        problems += [f"#{c.name} was made but no incident has it" for c in made.values() if c.id not in owned]
        assert self.incidents_channel is not None
        headlines = [
            m for m in self.slack.messages(self.incidents_channel) if _event(m) == "incident_headline"
        ]
        for incident in incidents:
            problems += self._check_incident(incident, made, headlines)

        for entry in updates:
            text = entry.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            incident = next(i for i in incidents if i.id == entry.incident_id)
            room = made.get(incident.channel_id or "")
            said = _bots(self.slack.messages(room, include_threads=False)) if room else []
            posted = [m for m in said if text in m.text]
            threads = _bots(self.slack.messages(self.incidents_channel))
            under = [m for m in threads if m.thread_ts and text in m.text]
            if len(posted) != 1 or len(under) != 1:
                where = f"{len(posted)}× in its channel, {len(under)}× under its headline"
                problems.append(f"update {entry.text!r} posted {where}")

        stored = 0
        for message in self.commands:
            key = f"cmd:{message.channel}:{message.ts}"
            ticked = message.reactions.get("white_check_mark", [])
            if key in keys:
                stored += 1
            # A summary for an incident that has one only asks (Yes/No) and stores a proposal.
            asked = any(message.text.endswith(f" {text}") for text in proposed)
            if (key in keys or asked) != (ticked == [BOT_USER_ID]):
                problems.append(f"command {message.text!r}: stored {key in keys}, ✅ {ticked}")
        self.figures.commands_stored = stored

    def _check_incident(
        self, incident: Incident, made: dict[str, Channel], headlines: list[Message]
    ) -> list[str]:
        problems = []
        name = f"incident {incident.id}"
        mine = [m for m in headlines if _payload(m).get("incident_id") == incident.id]
        if len(mine) != 1 or mine[0].ts != incident.headline_ts:
            problems.append(f"{name}: {len(mine)} headlines (recorded {incident.headline_ts})")
        elif incident.status.label not in str(mine[0].blocks):
            problems.append(f"{name}: headline does not show {incident.status.label}")
        channel = made.get(incident.channel_id or "")
        if channel is None:
            return [*problems, f"{name}: no channel"]
        if not channel.name.startswith(f"inc-{incident.id}-"):
            problems.append(f"{name}: channel #{channel.name}")
        if not channel.topic.startswith(f"{incident.status.emoji} {incident.status.label} |"):
            problems.append(f"{name}: topic {channel.topic!r} is not its status {incident.status.label}")
        if len(channel.bookmarks) != 1:
            problems.append(f"{name}: {len(channel.bookmarks)} bookmarks")
        welcomes = [m for m in self.slack.messages(channel) if _event(m) == "incident_welcome"]
        if len(welcomes) != 1:
            problems.append(f"{name}: {len(welcomes)} welcome messages")
        if incident.reporter.slack_id not in channel.members:
            problems.append(f"{name}: its reporter was not invited")
        return problems


def _bots(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.user == BOT_USER_ID]


def _event(message: Message) -> str:
    return str((message.metadata or {}).get("event_type", ""))


def _payload(message: Message) -> dict[str, Any]:
    return dict((message.metadata or {}).get("event_payload") or {})
