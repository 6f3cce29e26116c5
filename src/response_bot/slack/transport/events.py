"""One Bolt listener per event type, running every flow's handler for that type in turn.

Bolt runs only the first listener that matches an event, so flows don't give their event handlers to
Bolt themselves: each adds them here (`events.on("pin_added", handler)`), and `register(app)` gives
every type one listener. A handler names what it needs as parameters, the way a Bolt listener does:
`event`, `body`, `context`, or any of the services listeners are given (`slack.app.ListenerServices`).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

Handler = Callable[..., Awaitable[None]]


class Events:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}

    def on(self, event_type: str, handler: Handler) -> None:
        """Run `handler` for every event of `event_type`, after the handlers added before it."""
        self._handlers.setdefault(event_type, []).append(handler)

    @property
    def types(self) -> set[str]:
        return set(self._handlers)

    def handlers(self) -> list[Handler]:
        return [handler for handlers in self._handlers.values() for handler in handlers]

    def register(self, app: AsyncApp) -> None:
        for event_type in sorted(self._handlers):
            app.event(event_type)(_listener(self._handlers[event_type]))


def _listener(handlers: list[Handler]) -> Handler:
    wanted = [(handler, list(inspect.signature(handler).parameters)) for handler in handlers]

    async def listener(event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext) -> None:
        given: dict[str, Any] = {"event": event, "body": body, "context": context}
        for handler, names in wanted:
            await handler(**{name: given[name] if name in given else context[name] for name in names})

    return listener
