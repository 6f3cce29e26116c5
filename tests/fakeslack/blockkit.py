"""Block Kit checks with Slack's documented limits; each problem is a JSON-pointer message like Slack's."""

from __future__ import annotations

from typing import Any

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
TEXT_KEYS = {"type", "text", "emoji", "verbatim"}
KNOWN_BLOCKS = {
    "section",
    "divider",
    "header",
    "context",
    "actions",
    "input",
    "image",
    "rich_text",
    "markdown",
}
INTERACTIVE = {
    "button",
    "static_select",
    "users_select",
    "conversations_select",
    "channels_select",
    "multi_users_select",
    "multi_static_select",
    "overflow",
    "datepicker",
    "timepicker",
    "checkboxes",
    "radio_buttons",
    "plain_text_input",
}


class Problems:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, pointer: str, message: str) -> None:
        self.messages.append(f"[ERROR] {message} [json-pointer:{pointer}]")

    def __bool__(self) -> bool:
        return bool(self.messages)


def _text(problems: Problems, pointer: str, obj: Any, limit: int, *, plain_only: bool = False) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        problems.add(pointer, "must be a text object")
        return
    if plain_only and obj["type"] != "plain_text":
        problems.add(pointer + "/type", "must be plain_text")
    extra = set(obj) - TEXT_KEYS
    if extra:
        problems.add(pointer, f"unknown properties {sorted(extra)}")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        problems.add(pointer + "/text", "must be a non-empty string")
    elif len(text) > limit:
        problems.add(pointer + "/text", f"must be less than {limit + 1} characters")


def _element(problems: Problems, pointer: str, element: Any, action_ids: set[str]) -> None:
    if not isinstance(element, dict) or element.get("type") not in INTERACTIVE | {
        "image",
        "mrkdwn",
        "plain_text",
    }:
        problems.add(pointer, "unknown element type")
        return
    kind = element["type"]
    action_id = element.get("action_id")
    if kind in INTERACTIVE and action_id is not None:
        if not isinstance(action_id, str) or len(action_id) > 255:
            problems.add(pointer + "/action_id", "must be at most 255 characters")
        elif action_id in action_ids:
            problems.add(pointer + "/action_id", f"duplicate action_id {action_id}")
        action_ids.add(str(action_id))
    if kind == "button":
        _text(problems, pointer + "/text", element.get("text"), 75, plain_only=True)
        if len(str(element.get("value", ""))) > 2000:
            problems.add(pointer + "/value", "must be less than 2001 characters")
        if element.get("style") not in (None, "primary", "danger"):
            problems.add(pointer + "/style", "must be primary or danger")
    elif kind in ("static_select", "multi_static_select"):
        groups = element.get("option_groups")
        if groups is not None and "options" in element:
            problems.add(pointer, "must have options or option_groups, not both")
        if groups is not None:
            if not 1 <= len(groups) <= 100:
                problems.add(pointer + "/option_groups", "must have 1 to 100 groups")
            for g, group in enumerate(groups):
                _text(problems, f"{pointer}/option_groups/{g}/label", group.get("label"), 75, plain_only=True)
                if not 1 <= len(group.get("options") or []) <= 100:
                    problems.add(f"{pointer}/option_groups/{g}/options", "must have 1 to 100 options")
        options = element.get("options") or [o for group in groups or [] for o in group.get("options") or []]
        if groups is None and not 1 <= len(options) <= 100:
            problems.add(pointer + "/options", "must have 1 to 100 options")
        for i, option in enumerate(options):
            _text(problems, f"{pointer}/options/{i}/text", option.get("text"), 75, plain_only=True)
            if not 1 <= len(str(option.get("value", ""))) <= 150:
                problems.add(f"{pointer}/options/{i}/value", "must be 1 to 150 characters")
        initial = element.get("initial_option")
        if initial is not None and initial not in options:
            problems.add(pointer + "/initial_option", "must match one of the options")
    elif kind == "plain_text_input":
        initial = element.get("initial_value")
        if initial is not None and len(str(initial)) > 3000:
            problems.add(pointer + "/initial_value", "must be less than 3001 characters")
        if "placeholder" in element:
            _text(problems, pointer + "/placeholder", element["placeholder"], 150, plain_only=True)
    elif kind == "users_select" and "placeholder" in element:
        _text(problems, pointer + "/placeholder", element["placeholder"], 150, plain_only=True)


def _block(
    problems: Problems, pointer: str, block: Any, ids: tuple[set[str], set[str]], surface: str
) -> None:
    # Slack: block ids are unique in a message or view; action ids only within their block.
    block_ids, action_ids = ids[0], set[str]()
    if not isinstance(block, dict) or block.get("type") not in KNOWN_BLOCKS:
        problems.add(pointer, "unknown block type")
        return
    kind = block["type"]
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or len(block_id) > 255:
            problems.add(pointer + "/block_id", "must be at most 255 characters")
        elif block_id in block_ids:
            problems.add(pointer + "/block_id", f"duplicate block_id {block_id}")
        block_ids.add(str(block_id))
    if kind == "section":
        if "text" not in block and "fields" not in block:
            problems.add(pointer, "section needs text or fields")
        if "text" in block:
            _text(problems, pointer + "/text", block["text"], 3000)
        fields = block.get("fields") or []
        if len(fields) > 10:
            problems.add(pointer + "/fields", "must have at most 10 items")
        for i, item in enumerate(fields):
            _text(problems, f"{pointer}/fields/{i}", item, 2000)
        if "accessory" in block:
            _element(problems, pointer + "/accessory", block["accessory"], action_ids)
    elif kind == "header":
        _text(problems, pointer + "/text", block.get("text"), 150, plain_only=True)
    elif kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 10:
            problems.add(pointer + "/elements", "must have 1 to 10 items")
        for i, item in enumerate(elements):
            _text(problems, f"{pointer}/elements/{i}", item, 3000)
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 25:
            problems.add(pointer + "/elements", "must have 1 to 25 items")
        for i, item in enumerate(elements):
            _element(problems, f"{pointer}/elements/{i}", item, action_ids)
    elif kind == "input":
        if surface == "message":
            problems.add(pointer, "input blocks are only allowed in views")
        _text(problems, pointer + "/label", block.get("label"), 2000, plain_only=True)
        _element(problems, pointer + "/element", block.get("element"), action_ids)


def message_problems(blocks: Any) -> list[str]:
    problems = Problems()
    if not isinstance(blocks, list):
        problems.add("/blocks", "must be an array")
        return problems.messages
    if len(blocks) > MESSAGE_BLOCKS_MAX:
        problems.add("/blocks", f"must have at most {MESSAGE_BLOCKS_MAX} items")
    ids: tuple[set[str], set[str]] = (set(), set())
    for i, block in enumerate(blocks):
        _block(problems, f"/blocks/{i}", block, ids, "message")
    return problems.messages


def view_problems(view: Any) -> list[str]:
    problems = Problems()
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        problems.add("/view/type", "must be modal or home")
        return problems.messages
    if view["type"] == "modal":
        _text(problems, "/view/title", view.get("title"), 24, plain_only=True)
        for key in ("submit", "close"):
            if key in view:
                _text(problems, f"/view/{key}", view[key], 24, plain_only=True)
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        problems.add("/view/blocks", "must be an array")
        return problems.messages
    if len(blocks) > VIEW_BLOCKS_MAX:
        problems.add("/view/blocks", f"must have at most {VIEW_BLOCKS_MAX} items")
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if view["type"] == "modal" and has_input and "submit" not in view:
        problems.add("/view/submit", "is required when the view has input blocks")
    if len(str(view.get("private_metadata", ""))) > 3000:
        problems.add("/view/private_metadata", "must be less than 3001 characters")
    if len(str(view.get("callback_id", ""))) > 255:
        problems.add("/view/callback_id", "must be at most 255 characters")
    ids: tuple[set[str], set[str]] = (set(), set())
    for i, block in enumerate(blocks):
        _block(problems, f"/view/blocks/{i}", block, ids, "view")
    return problems.messages
