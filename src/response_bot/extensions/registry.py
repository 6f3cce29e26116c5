"""The registry the app is assembled from: every building block found in the loaded modules."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from response_bot.extensions.hooks import (
    ActionHook,
    ChangeHook,
    CommandHook,
    EntryHook,
    EventHook,
    HeadlineButtonHook,
    KeywordHook,
    NotificationHook,
    OutboundHook,
    ViewHook,
    hooks_of,
)

log = logging.getLogger(__name__)
Handler = Callable[..., Any]


@dataclass(frozen=True)
class Command:
    names: tuple[str, ...]
    helptext: str
    handler: Handler
    records_own_key: bool = False

    @property
    def name(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class Keyword:
    keywords: tuple[str, ...]
    handler: Handler


@dataclass(frozen=True)
class HeadlineButton:
    order: int
    handler: Handler


@dataclass(frozen=True)
class Notification:
    handler: Handler
    interval_mins: float | None
    max_notifications: int
    initial_delay_mins: float

    @property
    def key(self) -> str:
        return f"{self.handler.__module__}.{self.handler.__qualname__}"


@dataclass
class Registry:
    commands: dict[str, Command] = field(default_factory=dict)
    keywords: list[Keyword] = field(default_factory=list)
    events: dict[str, list[Handler]] = field(default_factory=dict)
    actions: dict[str, Handler] = field(default_factory=dict)
    headline_buttons: list[HeadlineButton] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    # Told of every change to an incident, in its transaction: the calls to other systems it needs.
    changes: list[Handler] = field(default_factory=list)
    # Told of every timeline entry added, in its transaction: the calls to other systems it needs.
    entries: list[Handler] = field(default_factory=list)
    # Who makes each kind of call to another system (`"pagerduty.trigger"`).
    outbound: dict[str, Handler] = field(default_factory=dict)
    # Modals blocks opened, by callback id: who takes their submission.
    views: dict[str, Handler] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    def add_module(self, module: ModuleType | object) -> None:
        """Register every marked function defined in (or imported into) `module`; or, given an
        object (an integration configured at start), every marked method of it."""
        self.sources.append(getattr(module, "__name__", type(module).__qualname__))
        for _, value in inspect.getmembers(module, callable):
            for hook in hooks_of(value):
                self._add(hook, value)

    def _add(self, hook: object, fn: Handler) -> None:
        if not inspect.iscoroutinefunction(fn) and not isinstance(hook, HeadlineButtonHook):
            raise TypeError(f"{fn.__module__}.{fn.__qualname__} must be `async def`")
        if isinstance(hook, CommandHook):
            command = Command(hook.names, hook.helptext, fn, hook.records_own_key)
            for name in hook.names:
                previous = self.commands.get(name)
                if previous is not None and previous.handler is not fn:
                    log.info(
                        "command %r from %s replaces %s", name, fn.__module__, previous.handler.__module__
                    )
                self.commands[name] = command
        elif isinstance(hook, KeywordHook):
            if not any(k.handler is fn for k in self.keywords):
                self.keywords.append(Keyword(hook.keywords, fn))
        elif isinstance(hook, EventHook):
            handlers = self.events.setdefault(hook.event_type, [])
            if fn not in handlers:
                handlers.append(fn)
        elif isinstance(hook, ActionHook):
            self.actions[hook.action_id] = fn
        elif isinstance(hook, HeadlineButtonHook):
            if not any(b.handler is fn for b in self.headline_buttons):
                self.headline_buttons.append(HeadlineButton(hook.order, fn))
                self.headline_buttons.sort(key=lambda b: b.order)
        elif isinstance(hook, ViewHook):
            self.views[hook.callback_id] = fn
        elif isinstance(hook, ChangeHook):
            if fn not in self.changes:
                self.changes.append(fn)
        elif isinstance(hook, EntryHook):
            if fn not in self.entries:
                self.entries.append(fn)
        elif isinstance(hook, OutboundHook):
            maker = self.outbound.get(hook.kind)
            if maker is not None and maker != fn:
                raise ValueError(f"two handlers make outbound calls of kind {hook.kind!r}")
            self.outbound[hook.kind] = fn
        elif isinstance(hook, NotificationHook) and not any(n.handler is fn for n in self.notifications):
            self.notifications.append(
                Notification(fn, hook.interval_mins, hook.max_notifications, hook.initial_delay_mins)
            )

    def unique_commands(self) -> list[Command]:
        """Each command once, in help order."""
        seen: dict[int, Command] = {}
        for command in self.commands.values():
            seen.setdefault(id(command.handler), command)
        return sorted(seen.values(), key=lambda c: c.name)

    def matching_keywords(self, text: str) -> Iterable[tuple[Keyword, str]]:
        lowered = text.lower()
        for keyword in self.keywords:
            found = next((k for k in keyword.keywords if k in lowered), None)
            if found is not None:
                yield keyword, found
