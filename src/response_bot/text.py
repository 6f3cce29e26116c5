"""Slack's text format, as far as storage needs it.

People's words reach the bot in two forms: plain text (typed into a modal: titles, summaries) and
Slack markup (messages and command arguments, where a typed `<` arrives as `&lt;` and mentions and
links arrive as `<@U…>` and `<https://…|label>`). The timeline stores Slack markup; incident fields
store plain text. `as_markup` turns plain text into markup that shows exactly those characters.
"""

from __future__ import annotations


def as_markup(plain: str) -> str:
    return plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
