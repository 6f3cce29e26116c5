"""Problems with the people an incident names."""

from __future__ import annotations

from response_bot.errors import UserError


class UnknownUser(UserError):
    def __init__(self, slack_id: str) -> None:
        super().__init__(f"I can't find <@{slack_id}> in this workspace.")
        self.slack_id = slack_id
