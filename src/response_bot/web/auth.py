"""Who is reading: nobody in particular (WEB_AUTH=none, loopback only), the person an authenticating
proxy names (WEB_AUTH=proxy), or a Slack user signed in with Sign in with Slack (WEB_AUTH=slack)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

# Resolves an e-mail address from a proxy to a Slack user ID (users.lookupByEmail), or None.
EmailResolver = Callable[[str], Awaitable[str | None]]
SLACK_ID = re.compile(r"[UW][A-Z0-9]{2,}")
SESSION_COOKIE = "response_session"
LOGIN_COOKIE = "response_login"
SESSION_SECONDS = 12 * 3600


@dataclass(frozen=True)
class Viewer:
    """The person reading; `user_id` None means anonymous (only public incidents are shown)."""

    user_id: str | None


VIEWER = web.RequestKey("viewer", Viewer)


def redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


class Denied(Exception):
    """Authentication failed; `response` says why (or sends the reader to sign in)."""

    def __init__(self, response: web.StreamResponse) -> None:
        super().__init__(response.status)
        self.response = response


class Authenticator:
    routes: list[web.RouteDef] = []

    async def viewer(self, request: web.Request) -> Viewer:
        raise NotImplementedError


class Anonymous(Authenticator):
    async def viewer(self, request: web.Request) -> Viewer:
        return Viewer(None)


class TrustedProxy(Authenticator):
    """Trusts one header set by the authenticating proxy in front: a Slack user ID or an e-mail."""

    def __init__(self, header: str, resolve_email: EmailResolver, *, ttl: float = 300.0) -> None:
        self._header = header
        self._resolve = resolve_email
        self._ttl = ttl
        # e-mail → (expiry, Slack user ID): a page view should not cost a Slack call each time.
        self._known: OrderedDict[str, tuple[float, str | None]] = OrderedDict()

    async def _user_for(self, email: str) -> str | None:
        cached = self._known.get(email)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        user_id = await self._resolve(email)
        self._known[email] = (time.monotonic() + self._ttl, user_id)
        self._known.move_to_end(email)
        while len(self._known) > 1024:
            self._known.popitem(last=False)
        return user_id

    async def viewer(self, request: web.Request) -> Viewer:
        value = (request.headers.get(self._header) or "").strip()
        if not value:
            raise Denied(
                web.Response(status=401, text=f"Sign-in required: the proxy did not send {self._header}.")
            )
        if SLACK_ID.fullmatch(value):
            return Viewer(value)
        if "@" in value:
            user_id = await self._user_for(value.lower())
            if user_id:
                return Viewer(user_id)
        raise Denied(
            web.Response(status=403, text="You are signed in, but not as anyone in this Slack workspace.")
        )


class Signer:
    """HMAC-signed, expiring values for cookies."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(secret.encode()).digest()

    def sign(self, value: dict[str, Any], seconds: int) -> str:
        payload = base64.urlsafe_b64encode(json.dumps({**value, "exp": int(time.time()) + seconds}).encode())
        mac = hmac.new(self._key, payload, hashlib.sha256).hexdigest()
        return f"{payload.decode()}.{mac}"

    def verify(self, token: str | None) -> dict[str, Any] | None:
        if not token or "." not in token:
            return None
        payload, mac = token.rsplit(".", 1)
        expected = hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(mac, expected):
            return None
        try:
            value = json.loads(base64.urlsafe_b64decode(payload.encode()))
        except ValueError:
            return None
        return value if isinstance(value, dict) and value.get("exp", 0) > time.time() else None


@dataclass(frozen=True)
class OidcClient:
    """What Sign in with Slack needs: the app's OAuth client, the workspace, and Slack's endpoints."""

    client_id: str
    client_secret: str
    team_id: str
    authorize_url: str
    redirect_uri: str
    exchange: Callable[[str], Awaitable[dict[str, Any]]]  # code → openid.connect.token response


class SignInWithSlack(Authenticator):
    """OpenID Connect against Slack; only members of this workspace get in."""

    def __init__(self, oidc: OidcClient, signer: Signer, secure_cookies: bool) -> None:
        self._oidc = oidc
        self._signer = signer
        self._secure = secure_cookies
        self.routes = [
            web.get("/login", self.login),
            web.get("/auth/callback", self.callback),
            web.post("/logout", self.logout),
        ]

    async def viewer(self, request: web.Request) -> Viewer:
        session = self._signer.verify(request.cookies.get(SESSION_COOKIE))
        if session and session.get("team") == self._oidc.team_id and session.get("user"):
            return Viewer(str(session["user"]))
        if request.path.startswith("/api/"):
            raise Denied(web.json_response({"error": "sign in first"}, status=401))
        target = request.path_qs if request.method == "GET" else "/"
        raise Denied(redirect("/login?" + urlencode({"next": target})))

    async def login(self, request: web.Request) -> web.StreamResponse:
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        next_path = request.query.get("next", "/")
        if not next_path.startswith("/") or next_path.startswith("//"):
            next_path = "/"
        query = urlencode(
            {
                "response_type": "code",
                "scope": "openid profile email",
                "client_id": self._oidc.client_id,
                "state": state,
                "nonce": nonce,
                "redirect_uri": self._oidc.redirect_uri,
                "team": self._oidc.team_id,
            }
        )
        response = redirect(f"{self._oidc.authorize_url}?{query}")
        pending = self._signer.sign({"state": state, "nonce": nonce, "next": next_path}, 600)
        response.set_cookie(
            LOGIN_COOKIE, pending, httponly=True, samesite="Lax", secure=self._secure, max_age=600
        )
        return response

    async def callback(self, request: web.Request) -> web.StreamResponse:
        pending = self._signer.verify(request.cookies.get(LOGIN_COOKIE))
        state = request.query.get("state", "")
        if pending is None or not hmac.compare_digest(str(pending.get("state", "")), state):
            return web.Response(
                status=403, text="Sign-in failed: the request did not match (start again at /login)."
            )
        code = request.query.get("code")
        if not code:
            return web.Response(
                status=403, text=f"Sign-in was cancelled ({request.query.get('error', 'no code')})."
            )
        try:
            tokens = await self._oidc.exchange(code)
        except Exception:
            return web.Response(status=403, text="Sign-in failed: Slack did not accept the sign-in code.")
        claims = _id_token_claims(str(tokens.get("id_token", "")))
        problem = self._check(claims, str(pending.get("nonce", "")))
        if problem or claims is None:
            return web.Response(status=403, text=f"Sign-in refused: {problem}.")
        response = redirect(str(pending.get("next") or "/"))
        session = self._signer.sign(
            {"user": claims["https://slack.com/user_id"], "team": self._oidc.team_id}, SESSION_SECONDS
        )
        response.set_cookie(
            SESSION_COOKIE,
            session,
            httponly=True,
            samesite="Lax",
            secure=self._secure,
            max_age=SESSION_SECONDS,
        )
        response.del_cookie(LOGIN_COOKIE)
        return response

    def _check(self, claims: dict[str, Any] | None, nonce: str) -> str | None:
        # The id_token comes straight from Slack's token endpoint over TLS, so the transport vouches
        # for its issuer (OpenID Connect Core 3.1.3.7); its claims must still be for us, now, here.
        if claims is None:
            return "Slack sent no readable identity"
        if claims.get("aud") != self._oidc.client_id:
            return "the identity was issued to another app"
        if not nonce or not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            return "the identity does not belong to this sign-in"
        if float(claims.get("exp", 0)) < time.time():
            return "the identity has expired"
        if claims.get("https://slack.com/team_id") != self._oidc.team_id:
            return "that account belongs to another Slack workspace"
        if not claims.get("https://slack.com/user_id"):
            return "Slack did not say who you are"
        return None

    async def logout(self, request: web.Request) -> web.StreamResponse:
        response = redirect("/login")
        response.del_cookie(SESSION_COOKIE)
        return response


def _id_token_claims(token: str) -> dict[str, Any] | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except ValueError:
        return None
    return claims if isinstance(claims, dict) else None
