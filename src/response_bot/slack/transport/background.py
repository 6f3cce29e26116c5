"""Work that runs after Slack has been acked, tracked so that shutdown can let it finish."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from slack_bolt.async_app import AsyncAck

from response_bot.extensions.replies import Recipient
from response_bot.slack.transport.errors import ErrorReporter
from response_bot.slack.transport.recipients import recipient_of

log = logging.getLogger(__name__)

# Slack shows an error if an interaction is not acked within three seconds; half a second is left for
# the ack itself to travel. Work that must be stored before the ack gets this long, then goes on.
ACK_DEADLINE = 2.5


class Background:
    def __init__(self, reporter: ErrorReporter) -> None:
        self._reporter = reporter
        self._tasks: set[asyncio.Task[None]] = set()
        self._accepting = True

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    def spawn(self, work: Coroutine[Any, Any, Any], recipient: Recipient | None) -> asyncio.Task[None] | None:
        """Run `work` now; if it fails, the person who acted hears about it."""
        if not self._accepting:
            work.close()
            log.warning("shutting down: dropped background work for %s", recipient)
            return None
        task = asyncio.create_task(self._guard(work, recipient))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def within(
        self, work: Coroutine[Any, Any, Any], recipient: Recipient | None, seconds: float = ACK_DEADLINE
    ) -> None:
        """Run `work`, waiting up to `seconds` for it (so Slack is acked after it), then let it go on."""
        task = self.spawn(work, recipient)
        if task is not None:
            await asyncio.wait({task}, timeout=seconds)

    async def _guard(self, work: Coroutine[Any, Any, Any], recipient: Recipient | None) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception as error:
            await self._reporter.report(error, recipient)

    async def drain(self, timeout: float) -> None:
        """Stop taking work and wait (up to `timeout`) for what is running to finish."""
        self._accepting = False
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("cancelled %d background tasks still running at shutdown", len(pending))
            await asyncio.wait(pending, timeout=1)


def after_ack(work: Callable[..., Coroutine[Any, Any, object]]) -> Callable[..., Awaitable[None]]:
    """A Bolt listener for a click (or a shortcut) whose work may take longer than Slack waits and
    needs nothing stored first: it acks at once, then runs `work` as background work, so a failure
    reaches the person who clicked and shutdown lets it finish.

    `work` names what it needs as a Bolt listener does (`body`, `action`, `client`, services…); the
    listener asks Bolt for the same names, plus `ack` and `background`.
    """
    wanted = list(inspect.signature(work).parameters)

    async def listener(ack: AsyncAck, background: Background, **given: Any) -> None:
        await ack()
        background.spawn(work(**{name: given[name] for name in wanted}), recipient_of(given["body"]))

    # Bolt reads a listener's parameter names to decide what to pass it.
    names = ["ack", "background", *(n for n in wanted if n not in ("ack", "background"))]
    if "body" not in names:
        names.append("body")
    listener.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names]
    )
    listener.__name__ = listener.__qualname__ = work.__name__
    listener.__doc__ = work.__doc__
    return listener
