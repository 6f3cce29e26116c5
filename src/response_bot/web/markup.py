"""Slack's message markup made readable and safe: as HTML for the pages, as Markdown for reports.

Slack sends `&`, `<` and `>` typed by people as `&amp;`, `&lt;` and `&gt;`, and wraps mentions,
channels and links in `<…>`. Everything else is text. Only http(s) and mailto links become links;
a `javascript:` (or any other) URL stays inert text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from markupsafe import Markup, escape

_SPECIAL = re.compile(r"<([^<>\n]+)>")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_FORMATS = [
    (re.compile(r"```(.+?)```", re.DOTALL), "<pre>{}</pre>"),
    (re.compile(r"`([^`\n]+)`"), "<code>{}</code>"),
    (re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])"), "<strong>{}</strong>"),
    (re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])"), "<em>{}</em>"),
    (re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)~(?![\w~])"), "<del>{}</del>"),
]
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def unescape_slack(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mentioned_users(text: str) -> set[str]:
    return set(MENTION.findall(text or ""))


def _special(inner: str, names: Mapping[str, str]) -> tuple[str, str | None]:
    """The visible text of a `<…>` token, and its URL when it is a safe link."""
    target, _, label = inner.partition("|")
    target, label = unescape_slack(target), unescape_slack(label)
    if target.startswith("@"):
        return "@" + (names.get(target[1:]) or label or target[1:]), None
    if target.startswith("#"):
        return "#" + (label or target[1:]), None
    if target.startswith("!"):
        if target.startswith("!date^"):
            return label or target, None
        if target.startswith("!subteam^"):
            return label or "@group", None
        return "@" + (label or target[1:]), None
    if target.lower().startswith(_SAFE_SCHEMES):
        return label or target, target
    return label or target, None


def _emojize(text: str) -> str:
    if ":" not in text:
        return text
    import emoji  # its tables are a few MB: loaded with the first page that needs them

    return str(emoji.emojize(text, language="alias"))


def to_html(text: str | None, names: Mapping[str, str] | None = None) -> Markup:
    """Safe HTML for a stored Slack text: escaped, formatted, links only to safe schemes."""
    names = names or {}
    parts: list[str] = []
    position = 0
    for match in _SPECIAL.finditer(text or ""):
        parts.append(_format(unescape_slack((text or "")[position : match.start()])))
        shown, url = _special(match.group(1), names)
        if url:
            parts.append(f'<a href="{escape(url)}" rel="noopener noreferrer nofollow">{escape(shown)}</a>')
        else:
            parts.append(str(escape(shown)))
        position = match.end()
    parts.append(_format(unescape_slack((text or "")[position:])))
    return Markup("".join(parts).replace("\n", "<br>\n"))


def _format(plain: str) -> str:
    html = str(escape(_emojize(plain)))
    for pattern, template in _FORMATS:
        html = pattern.sub(_formatter(template), html)
    return html


def _formatter(template: str) -> Callable[[re.Match[str]], str]:
    return lambda match: template.format(match.group(1))


def to_markdown(text: str | None, names: Mapping[str, str] | None = None) -> str:
    """Markdown for the post-incident report; raw HTML in people's text is neutralised."""
    names = names or {}

    def token(match: re.Match[str]) -> str:
        shown, url = _special(match.group(1), names)
        return f"[{_md_text(shown)}]({url})" if url else _md_text(shown)

    out: list[str] = []
    position = 0
    for match in _SPECIAL.finditer(text or ""):
        out.append(_md_text(_emojize(unescape_slack((text or "")[position : match.start()]))))
        out.append(token(match))
        position = match.end()
    out.append(_md_text(_emojize(unescape_slack((text or "")[position:]))))
    return "".join(out)


def _md_text(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")
