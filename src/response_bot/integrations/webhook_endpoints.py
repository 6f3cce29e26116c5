"""Which endpoints hear which events: WEBHOOKS, read and checked at start.

One endpoint per line (or separated by `;`): a name, `=`, its URL, then options separated by
spaces: `events=` a comma-separated list of event types (`incident.*` for a family; all of them
when left out) and `private` to receive private incidents' events too. Each endpoint's signing
secret is the vault's `webhook-secret-<name>` (or `secret=whsec_…` in its line):

    WEBHOOKS="ops=https://hooks.example.com/response events=incident.*,followup.done private
              audit=https://audit.example.com/in"
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EVENT_TYPES = (
    "incident.declared",
    "incident.updated",
    "incident.status_changed",
    "incident.severity_changed",
    "incident.closed",
    "incident.reopened",
    "timeline.entry_added",
    "followup.created",
    "followup.done",
)
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str
    events: frozenset[str]  # the event types it hears
    private: bool = False
    secret: str = ""

    def wants(self, event_type: str, *, private: bool) -> bool:
        return event_type in self.events and (self.private or not private)

    @property
    def vault_name(self) -> str:
        return vault_name(self.name)


def vault_name(endpoint: str) -> str:
    return f"webhook-secret-{endpoint}"


def parse(text: str) -> list[Endpoint]:
    """The endpoints; ValueError naming the endpoint and what is wrong with it."""
    endpoints: list[Endpoint] = []
    for line in filter(None, (part.strip() for part in re.split(r"[;\n]", text))):
        head, *options = line.split()
        name, equals, url = head.partition("=")
        name = name.strip().lower()
        if not equals or not NAME.fullmatch(name):
            raise ValueError(
                f"'{head[:40]}' should be name=URL, the name in lower-case letters, digits, - or _"
            )
        if any(e.name == name for e in endpoints):
            raise ValueError(f"names the endpoint '{name}' twice")
        if not re.match(r"^https?://[^\s/]+\S*$", url):
            raise ValueError(f"endpoint '{name}': '{url[:60]}' is not an http(s) URL")
        events, private, secret = set(EVENT_TYPES), False, ""
        for option in options:
            key, _, value = option.partition("=")
            if key == "private" and not value:
                private = True
            elif key == "events" and value:
                events = _events(name, value)
            elif key == "secret" and value:
                secret = value
            else:
                raise ValueError(f"endpoint '{name}': '{option[:40]}' is not events=…, private or secret=…")
        endpoints.append(Endpoint(name, url, frozenset(events), private, secret))
    return endpoints


def _events(name: str, value: str) -> set[str]:
    chosen: set[str] = set()
    for wanted in filter(None, value.split(",")):
        if wanted.endswith(".*"):
            family = [t for t in EVENT_TYPES if t.startswith(wanted[:-1])]
            if not family:
                raise ValueError(f"endpoint '{name}': no event types match '{wanted}'")
            chosen.update(family)
        elif wanted in EVENT_TYPES:
            chosen.add(wanted)
        else:
            raise ValueError(
                f"endpoint '{name}': '{wanted}' is not an event type (they are {', '.join(EVENT_TYPES)})"
            )
    return chosen
