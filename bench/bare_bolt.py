"""The floor: the smallest Bolt app on Socket Mode, acking everything and doing nothing else.

Run as `python -m bench.bare_bolt` with SLACK_BOT_TOKEN, SLACK_APP_TOKEN and SLACK_API_URL set; the
benchmark measures its acks the same way as the bot's, so the ratio shows what the bot adds.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

EVERYTHING = re.compile(".*")


async def main() -> None:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(client=client)

    async def just_ack(ack: AsyncAck) -> None:
        await ack()

    async def nothing(**_: Any) -> None:
        return None

    app.command(EVERYTHING)(just_ack)
    app.action(EVERYTHING)(just_ack)
    app.view(EVERYTHING)(just_ack)
    app.shortcut(EVERYTHING)(just_ack)
    app.event(EVERYTHING)(nothing)
    handler = AsyncSocketModeHandler(app, os.environ["SLACK_APP_TOKEN"])
    await handler.connect_async()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    await handler.close_async()


if __name__ == "__main__":
    asyncio.run(main())
