"""Drills: a full incident run for practice, said plainly everywhere, paging nobody unless
DRILLS_PAGE says so, left out of the list and the API unless asked for."""

from __future__ import annotations

import json

from tests.conftest import StartBot
from tests.fakeslack import FakeSlack
from tests.fakevendors.pagerduty import FakePagerDuty
from tests.support.flows import command, declare, done, field_text, is_headline
from tests.support.people import People

TOKEN = "api-token-1"


async def test_a_drill_is_declared_from_the_command_and_says_so_everywhere(
    slack: FakeSlack, people: People, start_bot: StartBot
) -> None:
    bot = await start_bot(api_tokens=TOKEN)
    await slack.slash(people.alice, "drill Database failover rehearsal", people.general)
    view = await slack.wait_for_view(people.alice, "incident_declare")
    assert view.payload["title"]["text"] == "Declare a drill"
    title = next(b for b in view.blocks if b.get("block_id") == "title")["element"]["initial_value"]
    assert title == "Database failover rehearsal"
    drill_box = next(b for b in view.blocks if b.get("block_id") == "drill")["element"]
    assert [o["value"] for o in drill_box["initial_options"]] == ["drill"]
    assert (await slack.submit(people.alice, view, {})).closed
    headline = await slack.wait_for_message(people.incidents, is_headline)
    assert headline.blocks[0]["text"]["text"] == "🧪 Drill 1: Database failover rehearsal"
    assert "This is a drill" in str(headline.blocks)
    channel = await slack.wait_for(
        lambda: next((c for c in slack.workspace.channels.values() if c.name.startswith("drill-")), None)
    )
    assert channel.name == "drill-1-database-failover-rehearsal"
    welcome = await slack.wait_for(
        lambda: next((m for m in slack.messages(channel) if "This channel is for" in m.text), None)
    )
    assert welcome.text == "This channel is for Drill 1: Database failover rehearsal"
    assert "This is a drill" in str(welcome.blocks)
    assert channel.topic.startswith("🧪 DRILL | ")
    _, page, _ = await bot.get("/incidents/1")
    assert 'id="drill"' in page and "This was a drill" in page
    _, report, _ = await bot.get("/incidents/1/report.md")
    assert report.startswith("# Drill 1: Database failover rehearsal") and "This was a drill" in report

    await declare(slack, people, "Real outage")
    _, listing, _ = await bot.get("/")
    assert "Real outage" in listing and "Database failover rehearsal" not in listing
    _, listing, _ = await bot.get("/?drills=include")
    assert "🧪 Drill: Database failover rehearsal" in listing and "Real outage" in listing
    _, listing, _ = await bot.get("/?drills=only")
    assert "Database failover rehearsal" in listing and "Real outage" not in listing
    auth = {"Authorization": f"Bearer {TOKEN}"}
    _, body, _ = await bot.get("/api/v1/incidents", headers=auth)
    assert [i["title"] for i in json.loads(body)["items"]] == ["Real outage"]
    _, body, _ = await bot.get("/api/v1/incidents?drills=only", headers=auth)
    [drill] = json.loads(body)["items"]
    assert drill["drill"] is True and drill["title"] == "Database failover rehearsal"


async def test_a_critical_drill_pages_nobody_unless_drills_page_is_set(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty: FakePagerDuty
) -> None:
    paging = {"pagerduty_routing_key": "R" * 32, "pagerduty_events_url": pagerduty.url}
    await start_bot(**paging)
    drill = await declare(slack, people, "Failover rehearsal", severity="1", drill=["drill"])
    assert drill.channel is not None and drill.channel.name.startswith("drill-")
    assert done(await command(slack, people.alice, drill.channel, "close"))
    real = await declare(slack, people, "Checkout down", severity="1")
    assert real.channel is not None
    await pagerduty.wait_for(lambda pd: pd.alerts)
    assert [a.summary for a in pagerduty.alerts] == ["Checkout down"]
    assert "Follow-ups" not in field_text(drill.headline)


async def test_with_drills_page_a_drill_pages_like_any_incident(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty: FakePagerDuty
) -> None:
    await start_bot(pagerduty_routing_key="R" * 32, pagerduty_events_url=pagerduty.url, drills_page=True)
    await declare(slack, people, "Failover rehearsal", severity="1", drill=["drill"])
    await pagerduty.wait_for(lambda pd: pd.alerts)
    assert [a.summary for a in pagerduty.alerts] == ["[DRILL] Failover rehearsal"]  # said plainly
