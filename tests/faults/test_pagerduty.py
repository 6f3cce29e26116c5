"""PagerDuty failing in every way it can: refused, rate-limited, erroring, too slow; and the bot dying
between sending a page and recording it. Nobody is paged twice, nothing is dropped in silence, and
Slack carries on regardless."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from response_bot import crashpoints
from response_bot.effects.models import Effect, EffectStatus
from response_bot.timeline.models import EntryKind
from tests.conftest import StartBot
from tests.fakeslack import FakeSlack
from tests.fakevendors.pagerduty import FakePagerDuty
from tests.faults.test_deliveries import delivery_of, storm, two_replicas
from tests.support.bot import RunningBot
from tests.support.crash import die_at, forgive_the_dead
from tests.support.flows import command, declare, done, said
from tests.support.people import People
from tests.support.waiting import eventually

KEY = "R" * 32
ON_POSTGRES = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
FAST = {"scheduler_tick": "1s", "notification_lease": "1s", "status_update_cadence": ""}


@pytest.fixture(autouse=True)
def disarmed() -> Iterator[None]:
    yield
    crashpoints.disarm_all()


def paging(pagerduty: FakePagerDuty, **overrides: Any) -> dict[str, Any]:
    return {"pagerduty_routing_key": KEY, "pagerduty_events_url": pagerduty.url, **FAST, **overrides}


async def pages_recorded(bot: RunningBot) -> list[str]:
    entries = await bot.core.timeline.entries(1)
    return [e.text for e in entries if e.kind is EntryKind.INTEGRATION]


async def test_a_refused_page_is_said_in_the_channel_with_what_to_check_and_slack_carries_on(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty: FakePagerDuty
) -> None:
    """A well-formed key this PagerDuty account doesn't have: 400, said once, never retried."""
    bot = await start_bot(**paging(pagerduty, pagerduty_routing_key="X" * 32))
    declared = await declare(slack, people, "Checkout is failing", severity="1")
    assert declared.channel is not None
    note = await slack.wait_for(lambda: said(slack, declared.channel, "PagerDuty refused the page"))
    assert "Invalid routing key" in note.text and "PAGERDUTY_ROUTING_KEY" in note.text
    assert pagerduty.alerts == [] and len(pagerduty.refused) == 1
    assert done(await command(slack, people.alice, declared.channel, "sev 2"))  # Slack is unaffected
    effects = await bot.core.effects.stuck(older_than=timedelta(0))
    [failed] = [e for e in effects if e.lane == "pagerduty"]
    assert failed.status == EffectStatus.FAILED and failed.attempts == 1
    assert await pages_recorded(bot) == []
    assert done(await command(slack, people.alice, declared.channel, "close"))  # nothing to resolve
    await bot.running.slack.runner.written_down()
    assert len(pagerduty.refused) == 1 and pagerduty.events == []


@pytest.mark.parametrize(
    ("status", "headers"), [(500, {}), (503, {}), (429, {"Retry-After": "1"}), (502, {"Retry-After": "1"})]
)
async def test_a_page_pagerduty_cannot_take_now_goes_through_later_once(
    status: int,
    headers: dict[str, str],
    slack: FakeSlack,
    people: People,
    start_bot: StartBot,
    pagerduty: FakePagerDuty,
) -> None:
    bot = await start_bot(**paging(pagerduty))
    pagerduty.fail_next(status, times=2, headers=headers)
    declared = await declare(slack, people, "Checkout is failing", severity="1")
    assert declared.channel is not None
    await pagerduty.wait_for(lambda pd: pd.alerts, timeout=15)
    await slack.wait_for(lambda: said(slack, declared.channel, "Paged the on-call"), timeout=10)
    assert len(pagerduty.alerts) == 1 and len(pagerduty.events) == 1
    assert await pages_recorded(bot) == ["Paged PagerDuty automatically: it was declared critical"]
    assert said(slack, declared.channel, "⚠️") is None


async def test_a_page_that_never_gets_through_is_said_in_the_channel_after_its_last_try(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty: FakePagerDuty
) -> None:
    await start_bot(**paging(pagerduty))
    pagerduty.fail_next(503, times=100, headers={"Retry-After": "0"})  # each retry at once
    declared = await declare(slack, people, "Checkout is failing", severity="1")
    assert declared.channel is not None
    note = await slack.wait_for(lambda: said(slack, declared.channel, "did not go through"), timeout=30)
    assert note.text.startswith("⚠️ The page to PagerDuty did not go through after 8 tries")
    assert "PagerDuty answered 503" in note.text
    assert pagerduty.alerts == []


async def test_a_page_whose_answer_is_lost_in_a_timeout_is_sent_again_and_pages_once(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty: FakePagerDuty
) -> None:
    """PagerDuty took the event but answered too late: the retry carries the same dedup_key."""
    bot = await start_bot(**paging(pagerduty, integration_timeout_seconds=0.3))
    pagerduty.stall_next(0.6)
    declared = await declare(slack, people, "Checkout is failing", severity="1")
    assert declared.channel is not None
    await slack.wait_for(lambda: said(slack, declared.channel, "Paged the on-call"), timeout=15)
    await pagerduty.wait_for(lambda pd: len(pd.events) == 2, timeout=5)
    assert [e["event_action"] for e in pagerduty.events] == ["trigger", "trigger"]
    assert len(pagerduty.alerts) == 1 and pagerduty.alerts[0].log == ["trigger", "trigger"]
    assert await pages_recorded(bot) == ["Paged PagerDuty automatically: it was declared critical"]


@ON_POSTGRES
@pytest.mark.parametrize("point", ["before:pagerduty.trigger", "after:pagerduty.trigger"])
async def test_a_replica_dying_around_a_page_leaves_one_page_and_one_record(
    point: str, slack: FakeSlack, people: People, start_bot: StartBot, pagerduty: FakePagerDuty
) -> None:
    """Killed just before or just after PagerDuty took the event, before recording it: the next
    replica sends it (again), with the same dedup_key, and PagerDuty keeps one alert."""
    first = await start_bot(**paging(pagerduty))
    die_at(point, first)
    await slack.slash(people.alice, "Checkout is failing", people.general)
    view = await slack.wait_for_view(people.alice, "incident_declare")
    await slack.submit(people.alice, view, {"severity": "1"})
    await slack.wait_for(lambda: first.dead, timeout=10, what=f"the replica to die at {point}")
    second = await start_bot(**paging(pagerduty))
    await pagerduty.wait_for(lambda pd: pd.alerts, timeout=15)

    await eventually(lambda: all_done(second), timeout=15)
    assert await pages_recorded(second) == ["Paged PagerDuty automatically: it was declared critical"]
    assert len(pagerduty.alerts) == 1
    assert len(pagerduty.events) == (2 if point.startswith("after") else 1)
    await slack.settled(timeout=10)
    forgive_the_dead(slack)


@ON_POSTGRES
async def test_a_raise_retried_by_slack_and_delivered_to_two_replicas_pages_once(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty: FakePagerDuty
) -> None:
    first, _ = await two_replicas(start_bot, slack, **paging(pagerduty))
    declared = await declare(slack, people, "Slow search", severity="3")
    assert declared.channel is not None
    message = await command(slack, people.alice, declared.channel, "sev 1")
    await storm(slack, delivery_of(slack, message, "app_mention"))
    await pagerduty.wait_for(lambda pd: pd.alerts)
    await slack.settled()
    await eventually(lambda: all_done(first))
    assert len(pagerduty.events) == 1 and len(pagerduty.alerts) == 1
    assert await pages_recorded(first) == ["Paged PagerDuty automatically: it was raised to critical"]


async def all_done(bot: RunningBot) -> bool:
    async with bot.core.db.transaction() as session:
        statuses = (await session.scalars(select(Effect.status))).all()
    return all(status == EffectStatus.DONE for status in statuses)
