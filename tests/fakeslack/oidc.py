"""Sign in with Slack as the fake plays it: the authorize page, openid.connect.token and userInfo."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tests.fakeslack.model import TEAM_ID, User
from tests.fakeslack.state import Workspace


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@dataclass
class Grant:
    user: User
    team_id: str
    client_id: str
    nonce: str
    redirect_uri: str


class SignIn:
    """`browser_user` is who is signed in to Slack in the (test's) browser; None means nobody."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.client_id = "1111.2222"
        self.client_secret = "fake-client-secret"
        self.browser_user: User | None = None
        self.browser_team = TEAM_ID
        self.declines = False
        self._grants: dict[str, Grant] = {}

    async def authorize(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return web.Response(status=400, text="invalid_client")
        redirect = query.get("redirect_uri", "")
        params: dict[str, str] = {"state": query.get("state", "")}
        if self.declines or self.browser_user is None:
            params["error"] = "access_denied"
        else:
            code = self.workspace.ids.token()
            self._grants[code] = Grant(
                self.browser_user, self.browser_team, self.client_id, query.get("nonce", ""), redirect
            )
            params["code"] = code
        raise web.HTTPFound(f"{redirect}?{urlencode(params)}")

    def api(self, name: str, token: str, args: dict[str, Any]) -> dict[str, Any]:
        if name == "openid.connect.token":
            if args.get("client_id") != self.client_id or args.get("client_secret") != self.client_secret:
                return {"ok": False, "error": "invalid_client_id"}
            grant = self._grants.pop(str(args.get("code", "")), None)
            if grant is None:
                return {"ok": False, "error": "invalid_code"}
            if args.get("redirect_uri") != grant.redirect_uri:
                return {"ok": False, "error": "bad_redirect_uri"}
            claims = {
                "iss": "https://slack.com",
                "sub": grant.user.id,
                "aud": grant.client_id,
                "exp": int(time.time()) + 300,
                "iat": int(time.time()),
                "nonce": grant.nonce,
                "https://slack.com/user_id": grant.user.id,
                "https://slack.com/team_id": grant.team_id,
                "email": grant.user.email,
                "name": grant.user.real_name,
            }
            id_token = f"{_b64({'alg': 'RS256', 'typ': 'JWT'})}.{_b64(claims)}.fake-signature"
            return {
                "ok": True,
                "access_token": f"xoxp-{grant.user.id}",
                "token_type": "Bearer",
                "id_token": id_token,
            }
        return {"ok": False, "error": "unknown_method"}
