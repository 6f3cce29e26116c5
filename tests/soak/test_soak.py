"""The soak test (about two minutes): replicas killed at random, PostgreSQL restarted, Slack failing now
and then, under mixed traffic; then everything stored is shown once and nothing is half made."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.fakeslack import FakeSlack
from tests.soak.scenario import Soak
from tests.support.pgcluster import PrivateCluster

pytestmark = [pytest.mark.process, pytest.mark.soak]
SECONDS = float(os.environ.get("SOAK_SECONDS", "75"))


@pytest.mark.timeout(SECONDS + 240)
async def test_under_kills_restarts_and_slack_errors_every_stored_change_is_shown_exactly_once(
    slack: FakeSlack, cluster: PrivateCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = int(os.environ.get("SOAK_SEED", random.randrange(1_000_000)))
    figures = await Soak(slack, cluster, tmp_path, seconds=SECONDS, seed=seed).run()
    with capsys.disabled():
        print("\nsoak: " + "\n      ".join(figures.lines()))
    assert figures.replicas_killed >= 3 and figures.postgres_down_seconds > 3
    assert figures.incidents_stored >= 20 and figures.commands_stored >= 50
    assert sum(figures.slack_faults.values()) >= 10
    assert figures.problems == [], "\n".join(figures.problems)
