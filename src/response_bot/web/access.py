"""Which incidents a reader may see, and reading the request's filters."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from response_bot.incidents.enums import Severity, Status
from response_bot.incidents.errors import IncidentNotFound
from response_bot.incidents.queries import Filters, IncidentQueries, IncidentRecord
from response_bot.incidents.visibility import MembersOf, can_see
from response_bot.web.auth import Viewer

# Incident numbers are 32-bit in the database; a bigger one is simply not an incident (404, not an
# error from the database).
LARGEST_ID = 2**31 - 1
LAST_PAGE = 1_000_000


class Access:
    def __init__(self, queries: IncidentQueries, members_of: MembersOf) -> None:
        self._queries = queries
        self._members_of = members_of

    async def private_ids(self, viewer: Viewer) -> set[int]:
        """The private incidents this reader may see (none for anonymous readers and API tokens)."""
        if viewer.user_id is None:
            return set()
        return {
            incident.id
            for incident in await self._queries.private_incidents()
            if await can_see(incident, viewer.user_id, self._members_of)
        }

    async def record(self, viewer: Viewer, incident_id: int) -> IncidentRecord:
        """The incident's record, or IncidentNotFound when it doesn't exist *or* isn't theirs to see."""
        record = await self._queries.record(incident_id)
        if not await can_see(record.incident, viewer.user_id, self._members_of):
            raise IncidentNotFound(incident_id)
        return record


def filters_from(query: Mapping[str, str], *, per_page: int = 50) -> Filters:
    """Filters from a query string; anything unreadable is ignored rather than an error."""
    status = query.get("status", "")
    severity = query.get("severity", "")
    try:
        page = min(LAST_PAGE, max(1, int(query.get("page", "1"))))
    except ValueError:
        page = 1
    try:
        size = min(200, max(1, int(query.get("per_page", str(per_page)))))
    except ValueError:
        size = per_page
    return Filters(
        status=Status(status) if status in {s.value for s in Status} else None,
        severity=Severity(int(severity)) if severity in {"1", "2", "3", "4"} else None,
        text=query.get("q", "").replace("\x00", "")[:150],  # Postgres text holds no NUL
        page=page,
        per_page=size,
        drills=query.get("drills", "") if query.get("drills", "") in ("include", "only") else "exclude",
    )


def incident_id(request: web.Request) -> int:
    number = int(request.match_info["incident_id"])
    if number > LARGEST_ID:
        raise IncidentNotFound(number)
    return number
