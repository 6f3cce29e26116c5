"""Where one incident's time went, from its own timeline: the phases of its status (with how long
each lasted), the bands of its severity, and the moments worth marking (status updates, pages,
pins, role and lead changes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from response_bot.incidents.enums import Severity, Status
from response_bot.incidents.queries import IncidentRecord
from response_bot.timeline.models import EntryKind, TimelineEntry


@dataclass(frozen=True)
class Phase:
    status: Status | None  # None: closed (until it was reopened)
    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class Band:
    severity: Severity | None
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Marker:
    at: datetime
    kind: str  # update | page | pin | role | lead
    label: str


def _named(text: str, names: type[Status] | type[Severity]) -> Status | Severity | None:
    """The status or severity an automatic entry moved to: its text ends with the new one's label."""
    for member in names:
        if text.endswith(member.label):
            return member
    return None


def phases(record: IncidentRecord, now: datetime) -> list[Phase]:
    """The incident's statuses in order, each from its change to the next; closed spans are kept
    (status None) so a reopened incident shows the gap."""
    incident = record.incident
    changes: list[tuple[datetime, Status | None]] = [(incident.declared_at, Status.INVESTIGATING)]
    for entry in record.entries:
        if entry.kind is EntryKind.STATUS:
            status = _named(entry.text, Status)
            if isinstance(status, Status):
                changes.append((entry.occurred_at, status))
        elif entry.kind is EntryKind.CLOSED:
            changes.append((entry.occurred_at, None))
        elif entry.kind is EntryKind.REOPENED:
            changes.append((entry.occurred_at, Status.INVESTIGATING))
    end = incident.resolved_at if not incident.is_open and incident.resolved_at else now
    found: list[Phase] = []
    for (start, status), following in zip(changes, [*changes[1:], (end, None)], strict=True):
        stop = max(following[0], start)
        if stop > start or not found:
            found.append(Phase(status, start, stop))
    return found


def bands(record: IncidentRecord, now: datetime) -> list[Band]:
    """The incident's severity over time (None: not set), from its severity entries."""
    incident = record.incident
    changes: list[tuple[datetime, Severity | None]] = []
    severity_entries = [e for e in record.entries if e.kind is EntryKind.SEVERITY]
    if severity_entries:
        first = severity_entries[0].text
        before = None if first.startswith("Severity set") else _from(first)
        changes.append((incident.declared_at, before))
        for entry in severity_entries:
            moved = None if entry.text == "Severity cleared" else _named(entry.text, Severity)
            changes.append((entry.occurred_at, moved if isinstance(moved, Severity) else None))
    else:
        changes.append((incident.declared_at, incident.severity))
    end = incident.resolved_at if not incident.is_open and incident.resolved_at else now
    return [
        Band(severity, start, max(following[0], start))
        for (start, severity), following in zip(changes, [*changes[1:], (end, None)], strict=True)
    ]


def _from(text: str) -> Severity | None:
    for member in Severity:
        if text.startswith(f"Severity changed from {member.label} "):
            return member
    return None


def markers(record: IncidentRecord) -> list[Marker]:
    found: list[Marker] = []
    for entry in record.entries:
        marker = _marker(entry)
        if marker is not None:
            found.append(marker)
    return found


def _marker(entry: TimelineEntry) -> Marker | None:
    data = entry.data or {}
    if entry.kind is EntryKind.UPDATE:
        return Marker(entry.occurred_at, "update", "Status update")
    if entry.kind is EntryKind.INTEGRATION and data.get("action") in ("page", "responders"):
        return Marker(entry.occurred_at, "page", "Paged")
    if entry.kind is EntryKind.MESSAGE and "pin" in (data.get("sources") or []):
        return Marker(entry.occurred_at, "pin", "Pinned message")
    if entry.kind is EntryKind.LEAD:
        return Marker(entry.occurred_at, "lead", "Lead changed")
    if entry.kind is EntryKind.ROLE:
        return Marker(entry.occurred_at, "role", "Role changed")
    return None
