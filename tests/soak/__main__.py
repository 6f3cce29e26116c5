"""`python -m tests.soak [--seconds 75] [--seed N]`: run the soak on its own and print its figures."""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from pathlib import Path

from response_bot.db import migrate
from tests.fakeslack import FakeSlack
from tests.soak.scenario import Soak
from tests.support.databases import off_loop
from tests.support.pgcluster import PrivateCluster


async def main(seconds: float, seed: int) -> int:
    cluster = await asyncio.to_thread(lambda: PrivateCluster().create())
    off_loop(lambda: migrate.upgrade(cluster.url))
    slack = await FakeSlack().start()
    try:
        with tempfile.TemporaryDirectory(prefix="response-soak-") as workdir:
            figures = await Soak(slack, cluster, Path(workdir), seconds=seconds, seed=seed).run()
    finally:
        await slack.stop()
        await asyncio.to_thread(cluster.destroy)
    print("\n".join(figures.lines()))
    return 1 if figures.problems else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=75)
    parser.add_argument("--seed", type=int, default=random.randrange(1_000_000))
    options = parser.parse_args()
    sys.exit(asyncio.run(main(options.seconds, options.seed)))
