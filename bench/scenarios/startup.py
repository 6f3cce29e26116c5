"""Start-up and memory: the real process from exec to its Socket Mode link, on an empty database and
on a loaded one, and its resident memory idle and after the load."""

from __future__ import annotations

import asyncio

from bench.harness import Bench, Process
from tests.fakeslack import FakeSlack

BUDGET_SECONDS = 2


async def empty(bench: Bench, process: Process, slack: FakeSlack) -> float:
    """Start on an empty database; returns the resident memory once idle (MB)."""
    took = await process.start(slack)
    bench.report.add(
        "start-up",
        "process start → Socket Mode connected (empty database)",
        f"{took:.2f} s",
        f"≤ {BUDGET_SECONDS} s",
        None if bench.smoke else took <= BUDGET_SECONDS,
    )
    await asyncio.sleep(2)
    rss = process.rss_mb()
    bench.report.add("memory", "resident, idle", f"{rss} MB", "≤ 100 MB", None if bench.smoke else rss <= 100)
    return rss


async def loaded(bench: Bench, process: Process, slack: FakeSlack) -> None:
    took = await process.start(slack)
    bench.report.add(
        "start-up",
        f"process start → connected ({bench.sizes.incidents:,} incidents)",
        f"{took:.2f} s",
        f"≤ {BUDGET_SECONDS} s",
        None if bench.smoke else took <= BUDGET_SECONDS,
    )


def memory_after_load(bench: Bench, process: Process) -> float:
    rss = process.rss_mb()
    bench.report.add(
        "memory",
        f"resident, after {bench.sizes.incidents:,} incidents with timelines",
        f"{rss} MB",
        "≤ 150 MB",
        None if bench.smoke else rss <= 150,
    )
    return rss
