"""Making an in-process replica die at a crash point, as SIGKILL would: no more work, no clean-up.

The dead replica's socket closes (Slack redelivers what it never acked to another connection), its
tasks stop where they are, and nothing it holds (effect leases, notification leases, running
plugin deliveries) is handed back: another replica must wait for the leases to run out.
"""

from __future__ import annotations

import asyncio
import contextlib

from response_bot import crashpoints
from tests.fakeslack import FakeSlack
from tests.support.bot import RunningBot
from tests.support.tcpproxy import TcpProxy


def freeze(bot: RunningBot) -> None:
    """Stop the replica doing anything more, right now (the synchronous half of dying)."""
    bot.dead = True
    bot.running.slack.link.gate.draining = True
    bot.running.slack.runner._stopping = True
    bot.running.core.ticker.stop()


async def kill(bot: RunningBot) -> None:
    """Everything the replica was doing stops; its connections close; nothing is released."""
    freeze(bot)
    parts = bot.running
    current = asyncio.current_task()
    tasks: set[asyncio.Task[object]] = set(parts.slack.runner._tasks) | set(parts.slack.background._tasks)  # type: ignore[arg-type]
    if parts.scheduling.dispatcher._running is not None:
        tasks.add(parts.scheduling.dispatcher._running)  # type: ignore[arg-type]
    for task in tasks:
        if task is not current:
            task.cancel()
    handler = parts.slack.link._handler
    if handler is not None:
        with contextlib.suppress(Exception):
            await handler.client.close()
    if tasks - {current}:
        await asyncio.wait(tasks - {current}, timeout=2)
    await parts.web.runner.cleanup()
    await parts.slack.http.close()
    await parts.core.db.dispose()


def die_at(point: str, bot: RunningBot) -> None:
    """The next time any code reaches `point`, the replica `bot` dies there."""

    async def die(_: str) -> None:
        freeze(bot)
        asyncio.get_running_loop().create_task(kill(bot))
        raise crashpoints.Crashed()

    crashpoints.arm(point, die)


def vanish_at(point: str, proxy: TcpProxy) -> None:
    """The next time any code reaches `point`, the database goes away (the code carries on)."""

    async def cut(_: str) -> None:
        await proxy.cut()

    crashpoints.arm(point, cut)


def forgive_the_dead(slack: FakeSlack) -> None:
    """Envelopes a dead replica never acked are what dying means, not a bug of the live ones: Slack
    retried the events elsewhere, and showed the person an error for the interactions."""
    open_now = {c.number for c in slack.hub.open_connections}
    slack.hub.deliveries[:] = [d for d in slack.hub.deliveries if not d.timed_out or d.connection in open_now]
