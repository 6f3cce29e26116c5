"""Every table, imported in one place so Alembic and tests see the whole schema."""

from response_bot.db.base import Base
from response_bot.incidents.models import Incident
from response_bot.users.models import User

metadata = Base.metadata

__all__ = ["Incident", "User", "metadata"]
