"""The benchmark: the real `response-bot` process against the fake Slack on loopback, with PostgreSQL,
measured next to a bare Bolt app (the floor). Prints a table and writes bench/results/latest.json.

    python -m bench.run            # the full run (about a minute)
    python -m bench.run --smoke    # small counts, no speed verdicts (CI runs this)

Exits 1 when a line with a verdict is missed: in the smoke run only correctness lines have one
(every concurrent declaration made and none mixed up, no event left unacked).

Each scenario is a module in `bench/scenarios/`; `bench/harness.py` holds what they share. They run
in this order on one report, so the table reads the same from run to run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import time
import uuid

import aiohttp

from bench import dataset
from bench.harness import FULL, RESULTS, ROOT, SMOKE, Bench, declare_one, free_port
from bench.scenarios import concurrency, costs, declare, floor, pages, startup, storm
from bench.stats import Report
from response_bot.db import migrate
from tests.fakeslack import FakeSlack
from tests.support.databases import ADMIN_DSN, create_postgres_database, drop_postgres_database, postgres_url
from tests.support.process import clean_env


async def run(bench: Bench) -> Report:
    database = f"response_bench_{uuid.uuid4().hex[:8]}"
    await create_postgres_database(database)
    url = postgres_url(ADMIN_DSN, database)
    await asyncio.to_thread(migrate.upgrade, url)
    try:
        measured_floor = await floor.run(bench, await bench.workspace())
        await the_bot(bench, await bench.workspace(), url, measured_floor)
    finally:
        await bench.close()
        await drop_postgres_database(database)
    bench.report.data["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.platform(),
    }
    return bench.report


async def the_bot(bench: Bench, slack: FakeSlack, url: str, measured_floor: floor.Floor) -> None:
    """The real process: started empty, measured scenario by scenario, then restarted loaded."""
    port, token = free_port(), uuid.uuid4().hex
    env = clean_env(
        **slack.env(),
        DATABASE_URL=url,
        HTTP_PORT=str(port),
        RESPONSE_PLUGINS="bench.plugin",
        API_TOKENS=token,
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    process = bench.spawn("response-bot", ["-m", "response_bot", "run", "--no-migrate"], env)
    rss_idle = await startup.empty(bench, process, slack)
    async with aiohttp.ClientSession() as http:
        await declare.run(bench, slack)
        await costs.run(bench, slack, http, port)
        await storm.run(bench, slack, measured_floor)
        await concurrency.run(bench, slack)
        await process.stop()
        await dataset.fill(url.replace("+asyncpg", ""), bench.sizes.incidents)
        await startup.loaded(bench, process, slack)
        await pages.run(bench, http, port, token)
        await declare_one(slack, bench.people[1], "After the big import")
        rss_loaded = startup.memory_after_load(bench, process)
        bench.report.data["rss_mb"] = {"idle": rss_idle, "loaded": rss_loaded, "floor": measured_floor.rss_mb}
    await process.stop()


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="small counts, no speed verdicts")
    args = parser.parse_args()
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        os.environ.pop(name, None)
    started = time.monotonic()
    report = await run(Bench(SMOKE if args.smoke else FULL, args.smoke))
    report.data["took_seconds"] = round(time.monotonic() - started, 1)
    report.data["smoke"] = args.smoke
    report.data["rows"] = [row.__dict__ for row in report.rows]
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("smoke.json" if args.smoke else "latest.json")
    out.write_text(json.dumps(report.data, indent=2))
    print(report.markdown())
    took, written = report.data["took_seconds"], out.relative_to(ROOT)
    print(f"\n{len(report.rows)} measurements in {took} s; written to {written}")
    missed = [row for row in report.rows if row.verdict == "MISSED"]
    if missed:
        print(f"{len(missed)} lines missed: " + "; ".join(row.measure for row in missed))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
