"""`FakeSlack`: the Web API and Socket Mode on loopback, plus what tests do as Slack users."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

from tests.fakeslack import actions, message_actions, webapi
from tests.fakeslack.model import BOT_USER_ID, Channel, Ephemeral, Message, SlackError, User, View
from tests.fakeslack.oidc import SignIn
from tests.fakeslack.socket import Delivery, SocketHub
from tests.fakeslack.state import Call, Workspace

T = TypeVar("T")
JSON_FIELDS = ("blocks", "attachments", "view", "metadata")


@dataclass
class Fault:
    method: str
    times: int
    error: str | None = None
    status: int = 200
    retry_after: int | None = None
    delay: float = 0.0
    match: Callable[[dict[str, Any]], bool] | None = None
    # Do the work, then keep the caller waiting this long for the answer (a reply lost in transit).
    hold: float = 0.0


class FakeSlack:
    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []
        self.workspace = Workspace(self._emit_event)
        self.hub = SocketHub(self._notify)
        self.faults: list[Fault] = []
        # Called for every Web API call that no scripted fault takes: may return a fault for it
        # (the soak test's random 429s and 500s).
        self.chaos: Callable[[str, dict[str, Any]], Fault | None] | None = None
        # Every Web API request as it arrives (before any injected delay): what the app has sent.
        self.arrivals: list[Call] = []
        self.sign_in = SignIn(self.workspace)
        self.methods = webapi.served()
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/link/", self.hub.handle_ws)
        app.router.add_post("/response_url/{key}", self._response_url)
        app.router.add_get("/openid/connect/authorize", self.sign_in.authorize)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/"
        return self

    async def stop(self) -> None:
        await self.hub.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return self.base_url + "api/"

    @property
    def bot_token(self) -> str:
        return self.workspace.bot_token

    @property
    def app_token(self) -> str:
        return self.workspace.app_token

    def env(self) -> dict[str, str]:
        return {
            "SLACK_BOT_TOKEN": self.bot_token,
            "SLACK_APP_TOKEN": self.app_token,
            "SLACK_API_URL": self.api_url,
        }

    # --- the workspace ----------------------------------------------------------------------

    def add_usergroup(self, handle: str, *members: User) -> str:
        """A user group (@handle) with these members; its id (S…)."""
        group_id = f"S{len(self.workspace.usergroups) + 1:08d}"
        self.workspace.usergroups[group_id] = (handle, [m.id for m in members])
        return group_id

    def add_user(
        self, name: str, *, real_name: str = "", is_bot: bool = False, deleted: bool = False
    ) -> User:
        user = User(
            self.workspace.ids.make("U"),
            name,
            real_name or name.title(),
            name,
            is_bot,
            deleted,
            email=f"{name}@example.com",
        )
        self.workspace.users[user.id] = user
        return user

    def add_channel(
        self, name: str, *members: User | str, private: bool = False, bot: bool = True
    ) -> Channel:
        ids = {m.id if isinstance(m, User) else m for m in members}
        if bot:
            ids.add(BOT_USER_ID)
        channel = Channel(self.workspace.ids.make("C"), name, is_private=private, members=ids)
        self.workspace.channels[channel.id] = channel
        return channel

    def channel(self, name_or_id: str) -> Channel:
        channel = self.workspace.channels.get(name_or_id) or self.workspace.channel_by_name(name_or_id)
        assert channel is not None, f"no channel {name_or_id}"
        return channel

    def messages(self, channel: Channel | str, *, include_threads: bool = True) -> list[Message]:
        target = self.channel(channel) if isinstance(channel, str) else channel
        return [m for m in target.messages if not m.deleted and (include_threads or not m.thread_ts)]

    def ephemerals(self, user: User) -> list[Ephemeral]:
        return [e for e in self.workspace.ephemerals if e.user == user.id]

    def dms(self, user: User) -> list[Message]:
        return self.workspace.im_with(user.id).messages

    def screen(self, user: User) -> View | None:
        """The modal on top of this user's screen, if any."""
        stack = self.workspace.stacks.get(user.id) or []
        return self.workspace.views[stack[-1]] if stack else None

    def calls(self, method: str | None = None) -> list[Call]:
        return [c for c in self.workspace.calls if method is None or c.method == method]

    # --- waiting --------------------------------------------------------------------------

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(self, probe: Callable[[], T | None], timeout: float = 5.0, what: str = "") -> T:
        """Return the first truthy value of `probe()`, re-checked whenever Slack's state changes."""
        deadline = time.monotonic() + timeout
        while True:
            value = probe()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what or probe}")
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            # Also re-check now and then, for probes that depend on the clock or on the app's database.
            await asyncio.wait([waiter], timeout=min(remaining, 0.05))

    async def settled(self, timeout: float = 5.0) -> None:
        """Wait until every envelope sent so far was acked (or given up on), e.g. after an event."""
        await self.wait_for(lambda: self.hub.in_flight == 0, timeout, "every envelope to be acked")

    async def wait_connected(self, count: int = 1, timeout: float = 5.0) -> None:
        await self.wait_for(
            lambda: len(self.hub.open_connections) >= count, timeout, "a Socket Mode connection"
        )

    async def wait_for_view(self, user: User, callback_id: str | None = None, timeout: float = 5.0) -> View:
        def probe() -> View | None:
            view = self.screen(user)
            return view if view and (callback_id is None or view.callback_id == callback_id) else None

        return await self.wait_for(probe, timeout, f"a modal {callback_id or ''} for {user.name}")

    async def wait_for_message(
        self,
        channel: Channel | str,
        predicate: Callable[[Message], bool] = lambda m: True,
        timeout: float = 5.0,
    ) -> Message:
        def probe() -> Message | None:
            return next((m for m in self.messages(channel) if predicate(m)), None)

        return await self.wait_for(probe, timeout, f"a message in {channel}")

    async def wait_for_call(
        self, method: str, predicate: Callable[[Call], bool] = lambda c: True, timeout: float = 5.0
    ) -> Call:
        return await self.wait_for(
            lambda: next((c for c in self.calls(method) if predicate(c)), None), timeout, f"a {method} call"
        )

    async def wait_for_ephemeral(
        self, user: User, predicate: Callable[[Ephemeral], bool] = lambda e: True, timeout: float = 5.0
    ) -> Ephemeral:
        return await self.wait_for(
            lambda: next((e for e in self.ephemerals(user) if predicate(e)), None),
            timeout,
            f"a note to {user.name}",
        )

    def unacked(self) -> list[Delivery]:
        return [d for d in self.hub.deliveries if d.timed_out]

    # --- faults ---------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        error: str | None = "internal_error",
        *,
        times: int = 1,
        status: int = 200,
        retry_after: int | None = None,
        delay: float = 0.0,
        match: Callable[[dict[str, Any]], bool] | None = None,
        hold: float = 0.0,
    ) -> Fault:
        """Make the next `times` calls of `method` (whose arguments `match`) fail or be slow."""
        fault = Fault(method, times, error, status, retry_after, delay, match, hold)
        self.faults.append(fault)
        return fault

    def _take_fault(self, method: str, args: dict[str, Any]) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and fault.times > 0 and (fault.match is None or fault.match(args)):
                fault.times -= 1
                return fault
        return self.chaos(method, args) if self.chaos is not None else None

    # --- HTTP: the Web API ----------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json() if request.can_read_body else {}
            args.update(body or {})
        elif request.can_read_body:
            args.update(dict(await request.post()))
        for key in JSON_FIELDS:
            if isinstance(args.get(key), str) and args[key]:
                try:
                    args[key] = json.loads(args[key])
                except ValueError:
                    return self._reply(name, args, {"ok": False, "error": "invalid_json"})
        authorization = request.headers.get("Authorization") or ""
        if authorization.startswith("Basic "):
            # OAuth-style client credentials (openid.connect.token takes them this way or as form fields)
            client_id, _, client_secret = base64.b64decode(authorization[6:]).decode().partition(":")
            args.setdefault("client_id", client_id)
            args.setdefault("client_secret", client_secret)
            authorization = ""
        token = authorization.removeprefix("Bearer ").strip() or args.pop("token", "")
        args.pop("team_id", None)
        self.arrivals.append(Call(name, args, {}))
        self._notify()
        fault = self._take_fault(name, args)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.error or fault.status != 200:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                body = {"ok": False, "error": fault.error or "ratelimited"}
                self.workspace.calls.append(Call(name, args, body))
                self._notify()
                return web.json_response(body, status=fault.status, headers=headers)
        response = await self._dispatch(name, token, args)
        reply = self._reply(name, args, response)
        if fault is not None and fault.hold:
            await asyncio.sleep(fault.hold)
        return reply

    async def _dispatch(self, name: str, token: str, args: dict[str, Any]) -> dict[str, Any]:
        if name == "apps.connections.open":
            return self._connections_open(token)
        if name.startswith("openid.connect."):
            return self.sign_in.api(name, token, args)
        found = self.methods.get(name)
        if found is None:
            return {"ok": False, "error": "unknown_method"}
        if not token:
            return {"ok": False, "error": "not_authed"}
        if token.startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if token != self.workspace.bot_token:
            return {"ok": False, "error": "invalid_auth"}
        needed = found.scopes(self.workspace, args)
        if needed and not any(scope in self.workspace.scopes for scope in needed):
            return {
                "ok": False,
                "error": "missing_scope",
                "needed": ",".join(needed),
                "provided": ",".join(sorted(self.workspace.scopes)),
            }
        try:
            return await found.handler(self.workspace, args)
        except SlackError as error:
            return {"ok": False, "error": error.code, **error.extra}

    def _connections_open(self, token: str) -> dict[str, Any]:
        if not token:
            return {"ok": False, "error": "not_authed"}
        if token.startswith("xoxb-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if token != self.workspace.app_token:
            return {"ok": False, "error": "invalid_auth"}
        if self.hub.refuse_connections:
            return {"ok": False, "error": self.hub.refuse_connections}
        ticket = self.hub.issue_ticket()
        return {"ok": True, "url": f"{self.base_url.replace('http', 'ws', 1)}link/?ticket={ticket}"}

    def _reply(self, name: str, args: dict[str, Any], response: dict[str, Any]) -> web.Response:
        self.workspace.calls.append(Call(name, args, response))
        self._notify()
        headers = {"x-oauth-scopes": ",".join(sorted(self.workspace.scopes))}
        return web.json_response(response, headers=headers)

    # --- HTTP: response URLs --------------------------------------------------------------

    async def _response_url(self, request: web.Request) -> web.Response:
        entry = self.workspace.response_urls.get(request.match_info["key"])
        if entry is None:
            return web.Response(status=404, text="no_such_url")
        if entry.uses >= 5 or time.monotonic() - entry.issued > 1800:
            return web.Response(status=404, text="used_url")
        entry.uses += 1
        body = await request.json()
        text = body.get("text") or ""
        if not text and not body.get("blocks"):
            return web.Response(status=400, text="no_text")
        if body.get("replace_original") and entry.source is not None:
            entry.source.text, entry.source.blocks = text, body.get("blocks") or []
        elif body.get("delete_original") and entry.source is not None:
            entry.source.text, entry.source.blocks = "", []
        elif body.get("response_type") == "in_channel" and entry.channel_id:
            channel = self.workspace.channels[entry.channel_id]
            self.workspace.add_message(
                channel,
                Message(
                    channel.id,
                    self.workspace.ids.ts(),
                    text,
                    user=BOT_USER_ID,
                    blocks=body.get("blocks") or [],
                ),
            )
        else:
            self.workspace.ephemerals.append(
                Ephemeral(
                    entry.channel_id or "", entry.user_id, text, body.get("blocks") or [], via="response_url"
                )
            )
        self._notify()
        return web.Response(text="ok")

    # --- what people do (see actions.py) -----------------------------------------------------

    async def slash(self, user: User, text: str, channel: Channel, command: str = "/incident") -> Delivery:
        return await actions.slash(self, user, text, channel, command)

    async def click(self, user: User, message: Message, action_id: str, nth: int = 0) -> Delivery:
        return await actions.click(self, user, message, action_id, nth)

    async def submit(
        self, user: User, view: View, entered: dict[str, Any] | None = None
    ) -> actions.Submission:
        return await actions.submit(self, user, view, entered)

    async def say(
        self, user: User, channel: Channel, text: str, thread_ts: str | None = None, *, raw: bool = False
    ) -> Message:
        """`raw`: the text is already Slack markup (as an API client could post it), not typed."""
        return await actions.say(self, user, channel, text, thread_ts, raw=raw)

    async def pin(self, user: User, message: Message) -> None:
        await message_actions.pin(self, user, message)

    async def unpin(self, user: User, message: Message) -> None:
        await message_actions.unpin(self, user, message)

    async def react(self, user: User, message: Message, name: str) -> None:
        await message_actions.react(self, user, message, name)

    async def unreact(self, user: User, message: Message, name: str) -> None:
        await message_actions.unreact(self, user, message, name)

    async def edit(self, user: User, message: Message, text: str) -> None:
        await message_actions.edit(self, user, message, text)

    async def delete(self, user: User, message: Message) -> None:
        await message_actions.delete(self, user, message)

    async def message_shortcut(self, user: User, message: Message, callback_id: str) -> Delivery:
        return await message_actions.message_shortcut(self, user, message, callback_id)

    async def click_view(self, user: User, view: View, action_id: str) -> Delivery:
        return await actions.click_view(self, user, view, action_id)

    async def post_as_integration(self, channel: Channel, text: str) -> Message:
        return await actions.post_as_integration(self, channel, text)

    async def join(self, user: User, channel: Channel) -> None:
        await actions.join(self, user, channel)

    async def click_ephemeral(self, user: User, note: Ephemeral, action_id: str) -> Delivery:
        return await actions.click_ephemeral(self, user, note, action_id)

    async def open_home(self, user: User) -> Delivery:
        return await actions.open_home(self, user)

    async def rename_in_slack(self, user: User, channel: Channel, name: str) -> None:
        await actions.rename_in_slack(self, user, channel, name)

    # --- events ---------------------------------------------------------------------------

    def _emit_event(self, payload: dict[str, Any]) -> None:
        self.hub.send("events_api", payload)
