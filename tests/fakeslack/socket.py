"""Socket Mode as Slack runs it: tickets, hello, envelopes to any open connection, acks, retries."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakeslack.model import APP_ID

MAX_CONNECTIONS = 10


@dataclass
class Delivery:
    """One envelope sent to one connection, and what came back."""

    envelope_id: str
    kind: str
    payload: dict[str, Any]
    retry_attempt: int
    sent_at: float
    connection: int
    acked: asyncio.Future[dict[str, Any] | None] = field(repr=False, default=None)  # type: ignore[assignment]
    acked_at: float | None = None
    ack_payload: dict[str, Any] | None = None
    timed_out: bool = False

    @property
    def latency(self) -> float | None:
        return None if self.acked_at is None else self.acked_at - self.sent_at


class InProcessSocket:
    """Stands in for a websocket to an app in the same process (the listener test tier): an envelope
    goes straight to `receive`, and the frame it returns is read as the app's ack."""

    def __init__(
        self, receive: Callable[[str], Awaitable[str | None]], on_frame: Callable[[str], None]
    ) -> None:
        self._receive = receive
        self._on_frame = on_frame
        self._tasks: set[asyncio.Task[None]] = set()
        self.closed = False

    async def send_str(self, data: str) -> None:
        if self.closed:
            raise ConnectionError("the in-process connection is closed")
        task = asyncio.ensure_future(self._answer(data))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, data: str) -> None:
        frame = await self._receive(data)
        if frame is not None and not self.closed:
            self._on_frame(frame)

    async def send_json(self, data: dict[str, Any]) -> None:
        """Control frames (`disconnect`) mean nothing to an app that is not on a socket."""

    async def close(self) -> None:
        self.closed = True
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=1)


@dataclass
class Connection:
    number: int
    ws: web.WebSocketResponse | InProcessSocket
    opened_at: float
    closing: bool = False


class SocketHub:
    def __init__(self, on_change: Callable[[], None]) -> None:
        self.ack_timeout = 3.0
        # Slack retries un-acked events "nearly immediately, after 1 min, after 5 min"; compressed here.
        self.retry_delays = (0.05, 0.2, 0.5)
        self.connections: dict[int, Connection] = {}
        self.deliveries: list[Delivery] = []
        self.tickets: set[str] = set()
        self.refuse_connections: str | None = None
        self.connects = 0
        # Envelopes sent (or queued) whose fate is not settled: neither acked nor given up on.
        self.in_flight = 0
        self._numbers = itertools.count(1)
        self._round_robin = itertools.count()
        self._queue: list[tuple[str, dict[str, Any], int, asyncio.Future[Delivery]]] = []
        self._waiters: dict[str, Delivery] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._on_change = on_change

    # --- connection lifecycle -------------------------------------------------------------

    def issue_ticket(self) -> str:
        ticket = uuid.uuid4().hex
        self.tickets.add(ticket)
        return ticket

    async def handle_ws(self, request: web.Request) -> web.WebSocketResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self.tickets:
            raise web.HTTPUnauthorized(text="invalid or used ticket")
        self.tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        number = next(self._numbers)
        open_count = len([c for c in self.connections.values() if not c.closing])
        if open_count >= MAX_CONNECTIONS:
            await ws.send_json({"type": "disconnect", "reason": "too_many_websockets"})
            await ws.close()
            return ws
        connection = Connection(number, ws, time.monotonic())
        self.connections[number] = connection
        self.connects += 1
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": open_count + 1,
                "debug_info": {
                    "host": "fake-applink",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": APP_ID},
            }
        )
        self._flush_queue()
        self._on_change()
        try:
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    self._on_frame(frame.data)
        finally:
            self.connections.pop(number, None)
            self._on_change()
        return ws

    def connect_in_process(self, receive: Callable[[str], Awaitable[str | None]]) -> InProcessSocket:
        """A connection with no websocket: envelopes go to `receive` in this process, as they would to
        an app's Socket Mode client, and its answers are acks."""
        socket = InProcessSocket(receive, self._on_frame)
        number = next(self._numbers)
        self.connections[number] = Connection(number, socket, time.monotonic())
        self.connects += 1
        self._flush_queue()
        self._on_change()
        return socket

    def _on_frame(self, data: str) -> None:
        try:
            frame = json.loads(data)
        except ValueError:
            return
        envelope_id = frame.get("envelope_id")
        delivery = self._waiters.pop(envelope_id, None) if envelope_id else None
        if delivery is None or delivery.acked.done():
            return
        delivery.acked_at = time.monotonic()
        delivery.ack_payload = frame.get("payload")
        delivery.acked.set_result(delivery.ack_payload)
        self._on_change()

    @property
    def open_connections(self) -> list[Connection]:
        return [c for c in self.connections.values() if not c.closing and not c.ws.closed]

    async def disconnect_all(self, reason: str = "refresh_requested", close_after: float = 0.05) -> None:
        """Send `disconnect` frames; close the sockets shortly after, as Slack does."""
        for connection in list(self.connections.values()):
            connection.closing = True
            with contextlib.suppress(ConnectionError, RuntimeError):
                await connection.ws.send_json(
                    {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}}
                )
        await asyncio.sleep(close_after)
        await self.kill_all()

    async def kill_all(self) -> None:
        for connection in list(self.connections.values()):
            connection.closing = True
            await connection.ws.close()

    # --- delivery -------------------------------------------------------------------------

    def send(self, kind: str, payload: dict[str, Any]) -> asyncio.Future[Delivery]:
        """Deliver an envelope; the future resolves to the first attempt's Delivery once sent."""
        sent: asyncio.Future[Delivery] = asyncio.get_running_loop().create_future()
        self.in_flight += 1
        self._queue.append((kind, payload, 0, sent))
        self._flush_queue()
        return sent

    def _flush_queue(self) -> None:
        while self._queue and self.open_connections:
            kind, payload, attempt, sent = self._queue.pop(0)
            self._spawn(self._deliver(kind, payload, attempt, sent))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(
        self,
        kind: str,
        payload: dict[str, Any],
        attempt: int,
        sent: asyncio.Future[Delivery] | None,
        to: Connection | None = None,
    ) -> None:
        candidates = self.open_connections
        if not candidates:
            self._queue.append((kind, payload, attempt, sent))  # type: ignore[arg-type]
            return
        connection = to if to is not None else candidates[next(self._round_robin) % len(candidates)]
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": kind,
            "accepts_response_payload": kind in ("slash_commands", "interactive"),
        }
        if kind == "events_api":
            envelope["retry_attempt"] = attempt
            envelope["retry_reason"] = "timeout" if attempt else ""
        delivery = Delivery(
            envelope_id,
            kind,
            payload,
            attempt,
            time.monotonic(),
            connection.number,
            asyncio.get_running_loop().create_future(),
        )
        self.deliveries.append(delivery)
        self._waiters[envelope_id] = delivery
        try:
            await connection.ws.send_str(json.dumps(envelope))
        except (ConnectionError, RuntimeError):
            pass  # the socket died under us: the ack will time out and events will be retried
        if sent is not None and not sent.done():
            sent.set_result(delivery)
        self._on_change()
        try:
            await asyncio.wait_for(asyncio.shield(delivery.acked), self.ack_timeout)
        except TimeoutError:
            delivery.timed_out = True
            self._waiters.pop(envelope_id, None)
            if not delivery.acked.done():
                delivery.acked.set_result(None)
            self._on_change()
            if kind == "events_api" and attempt < len(self.retry_delays):
                await asyncio.sleep(self.retry_delays[attempt])
                await self._deliver(kind, payload, attempt + 1, None)
                return
        self.in_flight -= 1
        self._on_change()

    async def send_to_all(self, kind: str, payload: dict[str, Any]) -> list[Delivery]:
        """The same envelope to every open connection at once (Slack may deliver to any of them)."""
        connections = list(self.open_connections)
        deliveries = []
        for connection in connections:
            sent: asyncio.Future[Delivery] = asyncio.get_running_loop().create_future()
            self.in_flight += 1
            self._spawn(self._deliver(kind, payload, 0, sent, to=connection))
            deliveries.append(sent)
        return list(await asyncio.gather(*deliveries))

    def redeliver(self, delivery: Delivery, attempt: int = 1) -> asyncio.Future[Delivery]:
        """Send the same event again with a retry attempt, as Slack does after a lost ack."""
        sent: asyncio.Future[Delivery] = asyncio.get_running_loop().create_future()
        self.in_flight += 1
        self._spawn(self._deliver(delivery.kind, delivery.payload, attempt, sent))
        return sent

    async def close(self) -> None:
        await self.kill_all()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=1)
