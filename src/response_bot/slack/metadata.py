"""State carried through Slack (`private_metadata`, button values) as small pydantic models."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from response_bot.errors import UserError


class StaleInteraction(UserError):
    def __init__(self) -> None:
        super().__init__(
            "That form or button carries information this version of the bot can't read. "
            "Please start again from the headline post or with /incident."
        )


class _Carried(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    def encode(self) -> str:
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def decode(cls, raw: str | None) -> Self:
        try:
            return cls.model_validate_json(raw or "{}")
        except ValidationError:
            raise StaleInteraction() from None


class DeclareContext(_Carried):
    """Where /incident was typed, so the confirmation lands there."""

    channel_id: str | None = None
    response_url: str | None = None


class IncidentRef(_Carried):
    """Which incident a button or modal is about, and where the click came from."""

    incident_id: int = Field(gt=0)
    channel_id: str | None = None


class FollowUpRef(_Carried):
    """Which follow-up a button is about (and its incident, for the button's handler)."""

    incident_id: int = Field(gt=0)
    followup_id: int = Field(gt=0)


class TextRef(_Carried):
    """Which incident's summary or impact a Change button (or its modal) is about."""

    incident_id: int = Field(gt=0)
    field: str = Field(pattern="^(summary|impact)$")
    channel_id: str | None = None


class ProposalRef(_Carried):
    proposal_id: int = Field(gt=0)
