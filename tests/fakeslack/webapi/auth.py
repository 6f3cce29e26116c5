"""`auth.*`: who the token belongs to."""

from __future__ import annotations

from typing import Any

from tests.fakeslack.model import BOT_ID, BOT_USER_ID, TEAM_ID, WORKSPACE_URL
from tests.fakeslack.state import Workspace
from tests.fakeslack.webapi.methods import Args, MethodGroup

METHODS = MethodGroup()


@METHODS.method("auth.test")
async def auth_test(workspace: Workspace, args: Args) -> dict[str, Any]:
    return {
        "ok": True,
        "url": WORKSPACE_URL,
        "team": "Fake Workspace",
        "user": "response",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }
