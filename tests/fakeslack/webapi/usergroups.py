"""`usergroups.*`: user groups (@handles) and their members, as `usergroups:read` allows."""

from __future__ import annotations

from typing import Any

from tests.fakeslack.model import SlackError
from tests.fakeslack.state import Workspace
from tests.fakeslack.webapi.arguments import required
from tests.fakeslack.webapi.methods import Args, MethodGroup

METHODS = MethodGroup()


@METHODS.method("usergroups.list", ("usergroups:read",))
async def usergroups_list(workspace: Workspace, args: Args) -> dict[str, Any]:
    groups = [
        {
            "id": group_id,
            "team_id": "T0FAKE",
            "handle": handle,
            "name": handle.title(),
            "user_count": len(members),
        }
        for group_id, (handle, members) in workspace.usergroups.items()
    ]
    return {"ok": True, "usergroups": groups}


@METHODS.method("usergroups.users.list", ("usergroups:read",))
async def usergroups_users_list(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "usergroup")
    found = workspace.usergroups.get(str(args["usergroup"]))
    if found is None:
        raise SlackError("no_such_subteam")
    return {"ok": True, "users": list(found[1])}
