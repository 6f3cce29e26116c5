"""`/metrics` in Prometheus' text format: counts and gauges only, nothing about any incident's content."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Awaitable, Callable

from aiohttp import web


class Metrics:
    def __init__(self) -> None:
        self.counters: Counter[str] = Counter()
        self.gauges: dict[str, Callable[[], Awaitable[float]]] = {}

    def count(self, name: str, amount: int = 1) -> None:
        self.counters[name] += amount

    def statement_sent(self) -> None:
        """Count a statement sent to the database (what a flow costs in round trips)."""
        self.counters["response_db_statements_total"] += 1

    async def handle(self, _request: web.Request) -> web.Response:
        lines = []
        for name, value in sorted(self.counters.items()):
            lines += [f"# TYPE {name.split('{')[0]} counter", f"{name} {value}"]
        for name, read in sorted(self.gauges.items()):
            lines += [f"# TYPE {name} gauge", f"{name} {await read()}"]
        lines += [
            "# TYPE process_resident_memory_bytes gauge",
            f"process_resident_memory_bytes {rss_bytes()}",
        ]
        return web.Response(text="\n".join(lines) + "\n", content_type="text/plain", charset="utf-8")


def rss_bytes() -> int:
    """Resident memory now (Linux's /proc), not the peak."""
    try:
        with open(f"/proc/{os.getpid()}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
