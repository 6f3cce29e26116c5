"""Every listener and event handler asks only for what Bolt or the composition root gives it.

Bolt injects arguments by parameter name; a name nobody provides would reach the listener as None
and fail only when that listener first runs. This checks all of them at once, with plugins loaded.
"""

from __future__ import annotations

import dataclasses
import inspect

from slack_bolt.async_app import AsyncApp
from slack_bolt.kwargs_injection.async_args import AsyncArgs

from response_bot.extensions import loader
from response_bot.slack.app import ListenerServices, register_flows

BOLT_GIVES = set(inspect.signature(AsyncArgs.__init__).parameters) - {"self", "kwargs"}
WE_GIVE = {field.name for field in dataclasses.fields(ListenerServices)}


def test_every_listener_asks_only_for_what_is_given() -> None:
    app = AsyncApp(token="xoxb-wiring", process_before_response=True)
    events = register_flows(app, loader.load(["tests.plugins.example"]))
    listeners = app._async_listeners  # Bolt keeps no public list of them
    assert len(listeners) > 10
    for listener in listeners:
        unknown = set(listener.arg_names) - BOLT_GIVES - WE_GIVE  # type: ignore[attr-defined]
        assert not unknown, f"{listener.ack_function.__name__} asks for {unknown}"  # type: ignore[attr-defined]
    for handler in events.handlers():
        unknown = set(inspect.signature(handler).parameters) - {"event", "body", "context"} - WE_GIVE
        assert not unknown, f"{handler.__name__} asks for {unknown}"
