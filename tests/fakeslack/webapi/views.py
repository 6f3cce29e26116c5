"""`views.*`: modals (opened by a trigger, pushed, updated) and App Home, checked like Slack checks them."""

from __future__ import annotations

import time
from typing import Any

from tests.fakeslack import blockkit
from tests.fakeslack.model import SlackError, View
from tests.fakeslack.state import Workspace
from tests.fakeslack.webapi.arguments import required
from tests.fakeslack.webapi.methods import Args, MethodGroup

METHODS = MethodGroup()


def _check_view(view: Any) -> dict[str, Any]:
    if not isinstance(view, dict):
        raise SlackError(
            "invalid_arguments", response_metadata={"messages": ["[ERROR] view must be an object"]}
        )
    problems = blockkit.view_problems(view)
    if problems:
        raise SlackError("invalid_arguments", response_metadata={"messages": problems})
    return view


def open_view(workspace: Workspace, user_id: str, payload: dict[str, Any], *, previous: View | None) -> View:
    view_id = workspace.ids.make("V")
    view = View(
        view_id,
        user_id,
        payload,
        hash=f"{time.time():.6f}.{workspace.ids.token()[:8]}",
        root_view_id=previous.root_view_id if previous else view_id,
        previous_view_id=previous.id if previous else None,
    )
    workspace.views[view_id] = view
    workspace.stacks.setdefault(user_id, []).append(view_id)
    return view


@METHODS.method("views.open")
async def views_open(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "trigger_id", "view")
    payload = _check_view(args["view"])
    trigger = workspace.use_trigger(str(args["trigger_id"]))
    if payload.get("type") != "modal":
        raise SlackError("invalid_arguments")
    workspace.stacks[trigger.user_id] = []  # a new modal replaces whatever the user had open
    view = open_view(workspace, trigger.user_id, payload, previous=None)
    return {"ok": True, "view": view.to_api()}


@METHODS.method("views.push")
async def views_push(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "trigger_id", "view")
    payload = _check_view(args["view"])
    trigger = workspace.use_trigger(str(args["trigger_id"]))
    stack = workspace.stacks.get(trigger.user_id) or []
    if not stack:
        raise SlackError("not_found")
    if len(stack) >= 3:
        raise SlackError("push_limit_reached")
    view = open_view(workspace, trigger.user_id, payload, previous=workspace.views[stack[-1]])
    return {"ok": True, "view": view.to_api()}


@METHODS.method("views.update")
async def views_update(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "view")
    payload = _check_view(args["view"])
    view = workspace.views.get(str(args.get("view_id") or ""))
    if view is None:
        raise SlackError("not_found")
    if args.get("hash") and args["hash"] != view.hash:
        raise SlackError("hash_conflict")
    view.payload = payload
    view.hash = f"{time.time():.6f}.{workspace.ids.token()[:8]}"
    return {"ok": True, "view": view.to_api()}


@METHODS.method("views.publish")
async def views_publish(workspace: Workspace, args: Args) -> dict[str, Any]:
    required(args, "user_id", "view")
    payload = _check_view(args["view"])
    if payload.get("type") != "home":
        raise SlackError("invalid_arguments")
    user = workspace.user(str(args["user_id"]))
    existing = workspace.views.get(workspace.home_views.get(user.id, ""))
    if existing is not None and args.get("hash") and args["hash"] != existing.hash:
        raise SlackError("hash_conflict")
    view = View(
        existing.id if existing else workspace.ids.make("V"),
        user.id,
        payload,
        hash=f"{time.time():.6f}.{workspace.ids.token()[:8]}",
        root_view_id=existing.id if existing else "",
    )
    view.root_view_id = view.root_view_id or view.id
    workspace.views[view.id] = view
    workspace.home_views[user.id] = view.id
    return {"ok": True, "view": view.to_api()}
