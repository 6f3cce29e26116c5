"""Named points between a commit and the end of its effects, where a test can make the bot die.

The reliability suite proves that a replica dying at any of these moments loses nothing and
doubles nothing: another replica finishes the work. In production nothing is armed and `reached`
returns at once.

A point is named `before:<effect kind>` or `after:<effect kind>` (around each Slack call), or
`committed:<what>` right after a change is stored (`committed:declare`, `committed:command`).

- A real process is armed from its environment: `RESPONSE_CRASH_AT=after:channel.create` makes it
  kill itself (SIGKILL, no clean-up of any kind) the first time it gets there.
- In-process tests arm a point with a callback (`arm`), which may raise `Crashed` after stopping
  the replica, or cut its database connection and carry on.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Awaitable, Callable

ENVIRONMENT = "RESPONSE_CRASH_AT"

Action = Callable[[str], Awaitable[None]]
_armed: dict[str, Action] = {}


class Crashed(BaseException):
    """Raised where a simulated crash happens: nothing after this point runs in that task."""


def arm(point: str, action: Action) -> None:
    """The next time `point` is reached, run `action(point)` (once; the point is then disarmed)."""
    _armed[point] = action


def disarm_all() -> None:
    _armed.clear()


def armed() -> list[str]:
    return list(_armed)


async def _kill(point: str) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm_from_environment() -> None:
    """`RESPONSE_CRASH_AT=point[,point…]`: this process dies (SIGKILL) at the first of them it reaches."""
    for point in filter(None, (p.strip() for p in os.environ.get(ENVIRONMENT, "").split(","))):
        arm(point, _kill)


async def reached(point: str) -> None:
    if not _armed:
        return
    action = _armed.pop(point, None)
    if action is not None:
        await action(point)
