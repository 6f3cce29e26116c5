"""A Web API method as the fake serves it (its handler, the scopes any one of which is enough, and the
token kind it takes), and the groups each module of this package fills."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.fakeslack.state import Workspace

Args = dict[str, Any]
Handler = Callable[[Workspace, Args], Awaitable[dict[str, Any]]]
Scopes = Callable[[Workspace, Args], tuple[str, ...]]


class Method:
    def __init__(self, handler: Handler, scopes: Scopes, token: str) -> None:
        self.handler = handler
        self.scopes = scopes
        self.token = token


class MethodGroup(dict[str, Method]):
    """The methods of one family (`chat.*`, `views.*`, …), by name."""

    def method(
        self, name: str, scopes: tuple[str, ...] | Scopes = (), token: str = "bot"
    ) -> Callable[[Handler], Handler]:
        """Serve `name` with the decorated handler; `scopes` lists alternatives, any one enough."""

        def add(handler: Handler) -> Handler:
            assert name not in self, f"{name} is served twice"
            needed = scopes if callable(scopes) else (lambda _w, _a, s=scopes: s)
            self[name] = Method(handler, needed, token)
            return handler

        return add
