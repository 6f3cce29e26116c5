"""Every table of every domain, gathered in one place above them all, so Alembic and the tests see
the whole schema (no domain package needs to know the others' tables)."""

from response_bot.db.base import Base
from response_bot.db.idempotency import HandledDelivery
from response_bot.effects.models import Effect
from response_bot.followups.models import FollowUp
from response_bot.incidents.models import Incident, IncidentRole, Proposal
from response_bot.notifications.models import Notification
from response_bot.timeline.models import TimelineEntry
from response_bot.users.models import User
from response_bot.vault.models import StoredSecret
from response_bot.webhooks.models import WebhookDelivery

metadata = Base.metadata

__all__ = [
    "Effect",
    "FollowUp",
    "HandledDelivery",
    "Incident",
    "IncidentRole",
    "Notification",
    "Proposal",
    "StoredSecret",
    "TimelineEntry",
    "User",
    "WebhookDelivery",
    "metadata",
]
