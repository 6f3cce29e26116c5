"""Serve the fake Slack on its own: `python -m tests.fakeslack --env-file slack.env`.

Writes SLACK_BOT_TOKEN, SLACK_APP_TOKEN and SLACK_API_URL to the env file once listening, so a real
`response-bot` process (CI's install check, the benchmark) can be pointed at it. Runs until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

from tests.fakeslack import FakeSlack
from tests.support.people import the_usual


async def serve(env_file: Path) -> None:
    slack = await FakeSlack().start()
    the_usual(slack)
    env_file.write_text(  # noqa: ASYNC240 - once, before serving
        "".join(f"{key}={value}\n" for key, value in slack.env().items())
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await slack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env-file", type=Path, required=True)
    asyncio.run(serve(parser.parse_args().env_file))


if __name__ == "__main__":
    main()
