"""Incident channel names: `inc-<id>-<slug of title>` (a drill's: `drill-<id>-…`), only what Slack
accepts, at most 80 characters."""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 80


def slug(text: str) -> str:
    """Lowercase ASCII letters, digits and single hyphens; accents folded, everything else dropped."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def channel_name(incident_id: int, text: str, suffix: str = "", *, drill: bool = False) -> str:
    """`inc-42-payments-api-returning-500s`, shortened at a word boundary to fit 80 characters."""
    kind = "drill" if drill else "inc"
    prefix = f"{kind}-{incident_id}"
    tail = f"-{suffix}" if suffix else ""
    room = MAX_LENGTH - len(prefix) - len(tail) - 1
    words = slug(text)
    if re.match(rf"{kind}-{incident_id}(-|$)", words):
        words = words[len(prefix) :].lstrip("-")
    if len(words) > room:
        cut = words[:room]
        words = cut.rsplit("-", 1)[0] if "-" in cut[room // 2 :] else cut
    words = words.strip("-")
    return f"{prefix}-{words}{tail}" if words else f"{prefix}{tail}"


def candidates(incident_id: int, text: str, attempts: int = 5, *, drill: bool = False) -> list[str]:
    """The name to try first, then numbered alternatives for when it is taken."""
    return [channel_name(incident_id, text, drill=drill)] + [
        channel_name(incident_id, text, str(n), drill=drill) for n in range(2, attempts + 1)
    ]
