"""The safe templates of rules' messages: only the incident's named fields, `{title}`, never
attributes, indexes or format specs that could reach anything else."""

from __future__ import annotations

import string
from collections.abc import Mapping

FIELDS = ("id", "title", "summary", "impact", "severity", "status", "lead", "channel", "doc_url", "rule")


def check_template(text: str) -> None:
    """ValueError, in words, unless every placeholder is one of FIELDS, plain."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise ValueError(f"is not a template ({error}); write {{{{ and }}}} for braces") from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in FIELDS or spec or conversion:
            raise ValueError(f"knows {', '.join('{' + f + '}' for f in FIELDS)}, not {{{name}}}")


def render(text: str, values: Mapping[str, str]) -> str:
    """The template filled in (checked first, so only FIELDS can appear)."""
    check_template(text)
    return text.format_map({f: values.get(f, "") for f in FIELDS})
