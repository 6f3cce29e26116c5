"""The docs and the JSON API with many incidents stored: the list page, the API's list, one doc."""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from bench.harness import Bench


async def run(bench: Bench, http: aiohttp.ClientSession, port: int, token: str) -> None:
    async def timed(path: str, **kwargs: Any) -> list[float]:
        samples = []
        for _ in range(bench.sizes.page_requests):
            began = time.monotonic()
            async with http.get(f"http://127.0.0.1:{port}{path}", **kwargs) as response:
                await response.read()
                assert response.status == 200, (path, response.status)
            samples.append(time.monotonic() - began)
        return samples

    count = f"{bench.sizes.incidents:,}"
    bench.report.latency(
        "web", f"incident list page, {count} incidents", await timed("/"), p50_budget=100, smoke=bench.smoke
    )
    bench.report.latency(
        "web",
        f"JSON incident list, {count} incidents",
        await timed("/api/v1/incidents", headers={"Authorization": f"Bearer {token}"}),
        p50_budget=100,
        smoke=bench.smoke,
    )
    bench.report.latency(
        "web", "an incident doc page with its timeline", await timed("/incidents/25"), smoke=True
    )
