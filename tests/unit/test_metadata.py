"""State carried through Slack: round-trips, and unreadable state is a clear error, not a crash."""

from __future__ import annotations

import pytest

from response_bot.slack.metadata import DeclareContext, IncidentRef, StaleInteraction


def test_round_trip() -> None:
    ref = IncidentRef(incident_id=5, channel_id="C1")
    assert IncidentRef.decode(ref.encode()) == ref
    assert DeclareContext.decode(DeclareContext(channel_id="C2").encode()).channel_id == "C2"


@pytest.mark.parametrize("raw", ["", "not json", '{"incident_id": "x"}', '{"incident_id": -1}', "[]"])
def test_malformed_state_is_a_user_error(raw: str) -> None:
    with pytest.raises(StaleInteraction) as raised:
        IncidentRef.decode(raw)
    assert "start again" in raised.value.message
