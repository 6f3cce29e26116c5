"""Text objects and the escaping every piece of user text goes through."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from response_bot.text import as_markup

Block = dict[str, Any]


@dataclass(frozen=True)
class Message:
    """What `chat.postMessage` / `chat.update` need: fallback text, blocks and metadata."""

    text: str
    blocks: list[Block]
    metadata: dict[str, Any] | None = None


def escape(text: str) -> str:
    """Plain text for mrkdwn: `<!channel>` or `<https://x|y>` typed in a modal stay inert text."""
    return as_markup(text)


def inert(markup: str) -> str:
    """Slack markup a person wrote, echoed without its powers: no pings, no disguised links.

    Typed `<`, `>` and `&` are entities already; only tokens still have raw angle brackets.
    """
    return markup.replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = 3000) -> Block:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def mrkdwn(text: str, limit: int = 3000) -> Block:
    # verbatim: Slack must not turn bare URLs or names it recognises into links or pings
    return {"type": "mrkdwn", "text": truncate(text, limit), "verbatim": True}


def mention(slack_id: str) -> str:
    return f"<@{slack_id}>"


def channel_link(channel_id: str) -> str:
    return f"<#{channel_id}>"


def link(url: str, label: str) -> str:
    return f"<{url}|{escape(label).replace('|', '¦')}>"


def call_link(url: str) -> str:
    """The incident's call as a link; characters that would end Slack's link early are encoded."""
    safe = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")
    return link(safe, "Join the call")


def date(moment: datetime, token: str = "{date_short_pretty} at {time}") -> str:
    """A date each reader sees in their own timezone, with a UTC fallback."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{token}|{fallback}>"


def section(text: str, *, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    return block


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t, 2000) for t in texts[:10]]}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    element: Block = {"type": "button", "text": plain(text, 75), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element


_ESCAPED = re.compile(r"<([@#!])?([^<>|]+)(?:\|([^<>]*))?>")


def readable(text: str) -> str:
    """Slack's escaped form (`<@U1|ann>`, `<#C1|ops>`, `<https://x|x>`) as a person would type it."""

    def plain_form(match: re.Match[str]) -> str:
        sigil, target, label = match.group(1), match.group(2), match.group(3)
        if sigil == "@":
            return f"@{label or target}"
        if sigil == "#":
            return f"#{label or target}"
        if sigil == "!":
            return f"@{label or target.split('^')[0]}"
        return target if not label or label == target else f"{label} ({target})"

    unwrapped = _ESCAPED.sub(plain_form, text)
    return unwrapped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
