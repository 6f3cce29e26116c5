"""`users.*`: people's profiles, by ID or by e-mail."""

from __future__ import annotations

from typing import Any

from tests.fakeslack.model import SlackError
from tests.fakeslack.state import Workspace
from tests.fakeslack.webapi.arguments import required
from tests.fakeslack.webapi.methods import Args, MethodGroup

METHODS = MethodGroup()


@METHODS.method("users.info", ("users:read",))
async def users_info(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "user")
    return {"ok": True, "user": workspace.user(str(args["user"])).to_api()}


@METHODS.method("users.lookupByEmail", ("users:read.email",))
async def users_lookup_by_email(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "email")
    for user in workspace.users.values():
        if user.email and user.email.lower() == str(args["email"]).lower():
            return {"ok": True, "user": user.to_api()}
    raise SlackError("users_not_found")
