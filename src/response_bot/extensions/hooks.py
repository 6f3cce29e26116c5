"""Decorators that mark a function as a building block.

They only attach a description to the function; nothing is registered globally. The loader scans
the modules named in configuration and builds a `Registry` from what it finds, so import order
never matters and two apps in one process never share handlers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
ATTRIBUTE = "__response_hooks__"


@dataclass(frozen=True)
class CommandHook:
    names: tuple[str, ...]
    helptext: str
    # Built-in commands pass the delivery key into the service, which records it atomically.
    records_own_key: bool = False


@dataclass(frozen=True)
class KeywordHook:
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class EventHook:
    event_type: str


@dataclass(frozen=True)
class ActionHook:
    action_id: str


@dataclass(frozen=True)
class HeadlineButtonHook:
    order: int


@dataclass(frozen=True)
class NotificationHook:
    interval_mins: float | None
    max_notifications: int
    initial_delay_mins: float


@dataclass(frozen=True)
class ViewHook:
    callback_id: str


@dataclass(frozen=True)
class ChangeHook:
    pass


@dataclass(frozen=True)
class EntryHook:
    pass


@dataclass(frozen=True)
class OutboundHook:
    kind: str


Hook = (
    CommandHook
    | KeywordHook
    | EventHook
    | ActionHook
    | HeadlineButtonHook
    | NotificationHook
    | ChangeHook
    | EntryHook
    | OutboundHook
    | ViewHook
)


def _mark(hook: Hook) -> Callable[[F], F]:
    def decorate(fn: F) -> F:
        hooks = list(getattr(fn, ATTRIBUTE, ()))
        hooks.append(hook)
        setattr(fn, ATTRIBUTE, tuple(hooks))
        return fn

    return decorate


def _names(values: Sequence[str] | str, what: str) -> tuple[str, ...]:
    items = (values,) if isinstance(values, str) else tuple(values)
    cleaned = tuple(v.strip().lower() for v in items if v and v.strip())
    if not cleaned:
        raise ValueError(f"{what} needs at least one name")
    return cleaned


def incident_command(
    names: Sequence[str] | str, helptext: str = "", *, _records_own_key: bool = False
) -> Callable[[F], F]:
    """`@incident <name> [args]` or `/incident <name> [args]` in an incident channel runs `fn(ctx)`.

    `ctx.args` holds everything after the name, newlines included. Raise `CommandError` to tell the
    person what was wrong (nothing is marked done); return normally and the message gets a ✅.
    """
    for name in _names(names, "incident_command"):
        if not name.isidentifier() and not name.replace("-", "_").isidentifier():
            raise ValueError(f"command name {name!r} must be a single word")
    return _mark(CommandHook(_names(names, "incident_command"), helptext, _records_own_key))


def keyword_handler(keywords: Sequence[str] | str) -> Callable[[F], F]:
    """A message in an incident channel containing one of `keywords` (any case) runs `fn(ctx)` once."""
    return _mark(KeywordHook(_names(keywords, "keyword_handler")))


def event_handler(event_type: str) -> Callable[[F], F]:
    """A Slack event of this type in an incident channel runs `fn(ctx)`, with `ctx.event` set.

    The app only receives event types its manifest subscribes to.
    """
    return _mark(EventHook(event_type.strip()))


def action_handler(action_id: str) -> Callable[[F], F]:
    """A click on an element with this `action_id` runs `fn(ctx)`, with `ctx.action` set."""
    return _mark(ActionHook(action_id.strip()))


def headline_post_action(order: int = 500) -> Callable[[F], F]:
    """`fn(incident)` returns a button (see `button()`) for the headline of an open incident, or None.

    Built-in buttons use orders 100 (create channel), 200 (edit) and 300 (close).
    """
    return _mark(HeadlineButtonHook(order))


def recurring_notification(interval_mins: float, max_notifications: int = 1) -> Callable[[F], F]:
    """Runs `fn(ctx)` every `interval_mins` after the incident started, at most `max_notifications` times."""
    if interval_mins <= 0 or max_notifications < 1:
        raise ValueError("recurring_notification needs interval_mins > 0 and max_notifications >= 1")
    return _mark(NotificationHook(interval_mins, max_notifications, interval_mins))


def single_notification(initial_delay_mins: float = 0) -> Callable[[F], F]:
    """Runs `fn(ctx)` once, `initial_delay_mins` after the incident started."""
    if initial_delay_mins < 0:
        raise ValueError("single_notification needs initial_delay_mins >= 0")
    return _mark(NotificationHook(None, 1, initial_delay_mins))


def view_submission(callback_id: str) -> Callable[[F], F]:
    """Someone submits a modal a block opened (`ctx.open_view`) with this `callback_id`: `fn(ctx)` runs
    before the modal closes, with `ctx.view` set and `ctx.incident` from the view's
    `private_metadata` (made with `incident_ref(incident)`). Raise `InvalidInput({block_id: text})`
    (or `CommandError`) to keep it open with the message under the field; return to close it.
    Keep it quick (Slack waits 3 seconds): store, or queue calls with `ctx.call`, and let them run.
    """
    return _mark(ViewHook(callback_id.strip()))


def incident_changed(fn: F) -> F:
    """`fn(change)` runs inside the transaction of every change to an incident (declared, severity,
    status, closed, reopened, …) and returns the calls to other systems it needs (`Call`s), which are
    stored with the change and made afterwards through the outbox, retried until they go through.

    Keep it quick and free of I/O but `await change.calls_made(lane)`: it holds the incident's lock.
    """
    return _mark(ChangeHook())(fn)


def timeline_entry_added(fn: F) -> F:
    """`fn(added)` runs inside the transaction that puts an entry on an incident's timeline (any
    kind: a change, a status update, a captured message, what a call did) and returns the `Call`s
    it needs, stored with it. `added.incident` is the incident, `added.entry` the entry.

    Like `@incident_changed`, keep it quick and free of I/O.
    """
    return _mark(EntryHook())(fn)


def outbound_call(kind: str) -> Callable[[F], F]:
    """`fn(call)` makes a stored `Call` of this kind (`"<lane>.<what>"`, e.g. `"pagerduty.trigger"`).

    Return normally when it went through. Raise `TryLater` for a 5xx, a timeout or a 429 (it is
    tried again with backoff, or after `retry_after`) and `Refused` when the other system said no
    for good (the incident channel is told, in the words given). A call may be made again after a
    crash (`call.maybe_sent`), so use the other system's idempotency key where it has one.
    """
    lane, dot, what = kind.strip().partition(".")
    if not dot or not lane or not what:
        raise ValueError(f"outbound_call kind {kind!r} must be '<lane>.<what>', e.g. 'pagerduty.trigger'")
    return _mark(OutboundHook(kind.strip()))


def hooks_of(fn: Any) -> tuple[Hook, ...]:
    return tuple(getattr(fn, ATTRIBUTE, ()))
