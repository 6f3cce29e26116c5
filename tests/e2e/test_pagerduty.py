"""PagerDuty through the fake Events API: who gets paged, when, once, and what people are told."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet

from response_bot.crypto import FieldCipher
from response_bot.db.engine import Database
from response_bot.integrations.pagerduty import VAULT_ROUTING_KEY
from response_bot.timeline.models import EntryKind
from response_bot.vault.service import Vault
from tests.conftest import StartBot
from tests.fakeslack import FakeSlack
from tests.fakevendors.pagerduty import FakePagerDuty
from tests.support.bot import RunningBot
from tests.support.flows import command, declare, done, said
from tests.support.people import People

KEY = "R" * 32


def paging(pagerduty: FakePagerDuty, **overrides: Any) -> dict[str, Any]:
    return {"pagerduty_routing_key": KEY, "pagerduty_events_url": pagerduty.url, **overrides}


async def entries(bot: RunningBot, incident_id: int) -> list[str]:
    return [e.text for e in await bot.core.timeline.entries(incident_id) if e.kind is EntryKind.INTEGRATION]


async def test_declaring_a_critical_incident_pages_once_with_its_title_doc_and_channel(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty: FakePagerDuty
) -> None:
    bot = await start_bot(**paging(pagerduty))
    declared = await declare(slack, people, "Checkout is failing", severity="1")
    assert declared.channel is not None
    await pagerduty.wait_for(lambda pd: pd.alerts)
    [event] = pagerduty.events
    assert event["event_action"] == "trigger" and event["routing_key"] == KEY
    assert event["payload"]["summary"] == "Checkout is failing"
    assert event["payload"]["severity"] == "critical" and event["payload"]["source"]
    hrefs = [link["href"] for link in event["links"]]
    assert hrefs == [
        "http://docs.example.test/incidents/1",
        f"https://slack.com/app_redirect?channel={declared.channel.id}",
    ]
    assert event["dedup_key"].startswith("response-1-")
    await slack.wait_for(lambda: said(slack, declared.channel, "Paged the on-call through PagerDuty"))
    assert await entries(bot, 1) == ["Paged PagerDuty automatically: it was declared critical"]
    _, report, _ = await bot.get("/incidents/1/report.md")
    assert "Paged PagerDuty automatically: it was declared critical" in report


async def test_a_minor_incident_pages_no_one_until_it_is_raised_and_then_only_once(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty: FakePagerDuty
) -> None:
    bot = await start_bot(**paging(pagerduty))
    declared = await declare(slack, people, "Slow search", severity="3")
    assert declared.channel is not None
    assert done(await command(slack, people.alice, declared.channel, "sev 2"))
    assert pagerduty.events == []
    assert done(await command(slack, people.alice, declared.channel, "sev 1"))
    await pagerduty.wait_for(lambda pd: pd.alerts)
    for level in ("2", "1"):  # down and up again: the on-call is already paged
        assert done(await command(slack, people.alice, declared.channel, f"sev {level}"))
    await bot.running.slack.runner.written_down()
    assert [e["event_action"] for e in pagerduty.events] == ["trigger"]
    assert len(pagerduty.alerts) == 1
    await slack.wait_for(lambda: said(slack, declared.channel, "it was raised to critical"))
    assert await entries(bot, 1) == ["Paged PagerDuty automatically: it was raised to critical"]


async def test_closing_resolves_the_alert_and_reopening_pages_again(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty: FakePagerDuty
) -> None:
    bot = await start_bot(**paging(pagerduty))
    declared = await declare(slack, people, "Payments down", severity="1")
    assert declared.channel is not None
    await pagerduty.wait_for(lambda pd: pd.alerts)
    assert done(await command(slack, people.alice, declared.channel, "close"))
    await pagerduty.wait_for(lambda pd: not pd.open_alerts())
    assert [e["event_action"] for e in pagerduty.events] == ["trigger", "resolve"]
    await slack.wait_for(lambda: said(slack, declared.channel, "Resolved the PagerDuty alert"))
    assert done(await command(slack, people.alice, declared.channel, "reopen"))
    await pagerduty.wait_for(lambda pd: len(pd.alerts) == 2)
    assert [a.status for a in pagerduty.alerts] == ["resolved", "triggered"]
    assert len({a.dedup_key for a in pagerduty.alerts}) == 1  # the same incident, a new alert
    await slack.wait_for(lambda: said(slack, declared.channel, "it was reopened at critical"))
    assert await entries(bot, 1) == [
        "Paged PagerDuty automatically: it was declared critical",
        "Resolved the PagerDuty alert: the incident was closed",
        "Paged PagerDuty automatically: it was reopened at critical",
    ]


async def test_closing_an_incident_that_paged_no_one_resolves_nothing(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty: FakePagerDuty
) -> None:
    bot = await start_bot(**paging(pagerduty))
    declared = await declare(slack, people, "Typo on the status page", severity="4")
    assert declared.channel is not None
    assert done(await command(slack, people.alice, declared.channel, "close"))
    await bot.running.slack.runner.written_down()
    assert pagerduty.events == [] and await entries(bot, 1) == []


async def test_no_routing_key_or_an_empty_severity_pages_no_one(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty: FakePagerDuty
) -> None:
    await start_bot(pagerduty_events_url=pagerduty.url)  # not configured
    await declare(slack, people, "Everything is on fire", severity="1")
    await start_bot(**paging(pagerduty, pagerduty_auto_page_severity=""))
    await declare(slack, people, "Still on fire", severity="1")
    assert pagerduty.events == [] and pagerduty.refused == []


async def test_a_lower_threshold_pages_major_incidents_too(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty: FakePagerDuty
) -> None:
    await start_bot(**paging(pagerduty, pagerduty_auto_page_severity="major"))
    await declare(slack, people, "Login errors", severity="2")
    await pagerduty.wait_for(lambda pd: pd.alerts)
    assert pagerduty.events[0]["payload"]["severity"] == "error"


async def test_a_private_incident_pages_without_its_title(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty: FakePagerDuty
) -> None:
    await start_bot(**paging(pagerduty))
    await declare(slack, people, "Acquisition data leak", private=True, severity="1")
    await pagerduty.wait_for(lambda pd: pd.alerts)
    [event] = pagerduty.events
    assert "Acquisition" not in str(event)
    assert event["payload"]["summary"] == "Private incident 1 (critical): details in Slack"


async def test_the_routing_key_may_live_in_the_vault_instead_of_the_environment(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty: FakePagerDuty, database_url: str
) -> None:
    field_key = Fernet.generate_key().decode()
    db = Database(database_url)
    try:
        await Vault(db, FieldCipher([field_key])).set(VAULT_ROUTING_KEY, KEY)
    finally:
        await db.dispose()
    await start_bot(encrypted_field_key=field_key, pagerduty_events_url=pagerduty.url)
    await declare(slack, people, "Checkout is failing", severity="1")
    await pagerduty.wait_for(lambda pd: pd.alerts)
    assert pagerduty.events[0]["routing_key"] == KEY
