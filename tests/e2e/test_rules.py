"""Automation rules: a team's process from a file. Every trigger and every action, each firing once
per occurrence, on the timeline as "Rule '<name>' …", with two replicas and across a restart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from response_bot import crashpoints
from response_bot.effects.models import Effect
from response_bot.timeline.models import EntryKind
from tests.conftest import StartBot
from tests.e2e.test_nudges import zone_at_noon
from tests.e2e.test_webhooks import endpoint
from tests.fakeslack import Channel, FakeSlack
from tests.fakevendors.pagerduty_rest import FakePagerDutyRest
from tests.fakevendors.statuspage import FakeStatuspage
from tests.fakevendors.webhook_receiver import Receiver
from tests.faults.test_deliveries import delivery_of, storm, two_replicas
from tests.support.bot import RunningBot
from tests.support.crash import die_at, forgive_the_dead
from tests.support.flows import command, declare, done, said
from tests.support.people import People
from tests.support.waiting import eventually

FAST = {"scheduler_tick": "1s", "webhook_retry_schedule": "1s"}


@pytest.fixture(autouse=True)
def disarmed() -> Iterator[None]:
    yield
    crashpoints.disarm_all()


def rules(tmp_path: Path, text: str, suffix: str = ".toml") -> str:
    path = tmp_path / f"rules{suffix}"
    path.write_text(text)
    return str(path)


async def rule_entries(bot: RunningBot, incident_id: int = 1) -> list[str]:
    return [
        e.text
        for e in await bot.core.timeline.entries(incident_id)
        if e.kind is EntryKind.INTEGRATION and e.text.startswith("Rule '")
    ]


def posts(slack: FakeSlack, channel: Channel, text: str) -> list[str]:
    return [m.text for m in slack.messages(channel) if text in m.text]


async def test_declared_posts_a_templated_message_to_another_channel_and_a_private_one_says_no_more(
    slack: FakeSlack, people: People, start_bot: StartBot, tmp_path: Path
) -> None:
    execs = slack.add_channel("exec-incidents", people.alice)  # the bot is not in it: it joins
    path = rules(
        tmp_path,
        """
[[rule]]
name = "Exec heads-up"
when = "declared"
[[rule.do]]
post = "#exec-incidents"
text = "{severity} incident {id}: {title} (lead {lead}) {doc_url}"
""",
    )
    bot = await start_bot(rules_file=path, **FAST)
    await declare(slack, people, "Checkout <!channel> errors", severity="2")
    posted = await slack.wait_for(lambda: posts(slack, execs, "incident 1"))
    assert posted == [
        # Typed markup is shown, never a ping.
        "Major incident 1: Checkout @channel errors (lead nobody) http://docs.example.test/incidents/1"
    ]
    await eventually(lambda: rule_entries(bot))
    assert await rule_entries(bot) == ["Rule 'Exec heads-up' posted to #exec-incidents"]
    await declare(slack, people, "Credential leak", private=True)
    leak = await slack.wait_for(lambda: posts(slack, execs, "incident 2"))
    assert leak == [
        "No severity incident 2: (private incident) (lead nobody) http://docs.example.test/incidents/2"
    ]


async def test_severity_reaching_a_level_fires_each_time_it_gets_there(
    slack: FakeSlack, people: People, start_bot: StartBot, tmp_path: Path
) -> None:
    path = rules(
        tmp_path,
        """
[[rule]]
name = "Major or worse"
when = "severity"
severity = "major"
[[rule.do]]
remind = "Severity is {severity}: page the owning team if they are not here."
""",
    )
    bot = await start_bot(rules_file=path, **FAST)
    declared = await declare(slack, people, "Checkout errors", severity="3")
    room = declared.channel
    assert room is not None
    for text in ("sev 2", "sev 1", "sev 3", "sev 1"):
        assert done(await command(slack, people.alice, room, text))
    reminded = await slack.wait_for(
        lambda: (
            len(posts(slack, room, "page the owning team")) == 2
            and posts(slack, room, "page the owning team")
        )
    )
    assert reminded == [
        "⏰ Severity is Major: page the owning team if they are not here. _(rule 'Major or worse')_",
        "⏰ Severity is Critical: page the owning team if they are not here. _(rule 'Major or worse')_",
    ]
    await eventually(lambda: len_is(rule_entries(bot), 2))


async def len_is(entries: Any, n: int) -> bool:
    return len(await entries) == n


async def test_status_lead_and_keyword_triggers_with_their_actions(
    slack: FakeSlack, people: People, start_bot: StartBot, tmp_path: Path
) -> None:
    oncall = slack.add_user("olga", real_name="Olga Oncall")
    group = slack.add_usergroup("payments-oncall", oncall, people.carol)
    path = rules(
        tmp_path,
        f"""
rule:
  - name: Identified
    when: status
    status: identified
    do:
      - remind: "Found it? Post an update for {{channel}}."
  - name: Comms when led
    when: lead_set
    do:
      - role: comms
        user: {people.carol.id}
  - name: Payments people
    when: keyword
    keywords: [payments]
    if:
      private: false
    do:
      - invite: ["@payments-oncall", {people.bob.id}]
""",
        suffix=".yaml",
    )
    assert group.startswith("S")
    bot = await start_bot(rules_file=path, **FAST)
    declared = await declare(slack, people, "Payments failing")
    room = declared.channel
    assert room is not None
    await slack.wait_for(lambda: {oncall.id, people.carol.id, people.bob.id} <= room.members)
    assert done(await command(slack, people.alice, room, "status identified"))
    await slack.wait_for(lambda: posts(slack, room, f"Found it? Post an update for <#{room.id}>."))
    assert done(await command(slack, people.alice, room, f"lead <@{people.bob.id}>"))
    await eventually(lambda: has_role(bot, "comms", people.carol.id))
    await eventually(lambda: len_is(rule_entries(bot), 3))
    assert sorted(await rule_entries(bot)) == sorted(
        [
            f"Rule 'Payments people' invited @payments-oncall, <@{people.bob.id}>",
            f"Rule 'Identified' reminded the channel: Found it? Post an update for <#{room.id}>.",
            f"Rule 'Comms when led' made <@{people.carol.id}> comms",
        ]
    )


async def has_role(bot: RunningBot, role: str, slack_id: str) -> bool:
    incident = await bot.core.incidents.get(1)
    holder = incident.holders.get(role)
    return holder is not None and holder.slack_id == slack_id


async def test_closed_sends_a_webhook_and_reopened_asks_the_lead_about_the_status_page(
    slack: FakeSlack,
    people: People,
    start_bot: StartBot,
    tmp_path: Path,
    statuspage: FakeStatuspage,
) -> None:
    receiver = await Receiver(
        __import__("response_bot.integrations.webhook_signing", fromlist=["x"]).new_secret()
    ).start()
    try:
        path = rules(
            tmp_path,
            """
[[rule]]
name = "Tell the data team"
when = "closed"
[[rule.do]]
webhook = "data"

[[rule]]
name = "Public again?"
when = "reopened"
[[rule.do]]
statuspage = true
""",
        )
        await start_bot(
            rules_file=path,
            webhooks=endpoint("data", receiver, "events=incident.declared"),
            statuspage_page_id=statuspage.page_id,
            statuspage_api_key=statuspage.api_key,
            statuspage_api_url=statuspage.url,
            **FAST,
        )
        declared = await declare(slack, people, "Checkout errors")
        room = declared.channel
        assert room is not None
        assert done(await command(slack, people.alice, room, f"lead <@{people.bob.id}>"))
        assert done(await command(slack, people.alice, room, "close"))
        await slack.wait_for(lambda: "rule.fired" in receiver.types(), timeout=10)
        fired = next(g for g in receiver.accepted() if g.event["type"] == "rule.fired").event["data"]
        assert fired["rule"] == "Tell the data team" and fired["why"] == "it was closed"
        assert fired["incident"]["status"] == "resolved"
        assert done(await command(slack, people.alice, room, "reopen"))
        asked = await slack.wait_for(lambda: said(slack, room, "asks whether the status page should say"))
        assert asked.text.startswith(f"🌐 <@{people.bob.id}>: rule 'Public again?'")
        assert "status_page_form" in str(asked.blocks)
    finally:
        await receiver.stop()


async def test_a_rule_pages_through_pagerduty(
    slack: FakeSlack, people: People, start_bot: StartBot, tmp_path: Path, pagerduty_rest: FakePagerDutyRest
) -> None:
    path = rules(
        tmp_path,
        """
[[rule]]
name = "Page payments on critical"
when = "severity"
severity = "critical"
[[rule.do]]
page = { service = "PSVPAY1" }
name = "Payments API"
message = "Critical: {title}"
""",
    )
    await start_bot(rules_file=path, **pagerduty_rest.settings(), **FAST)
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    assert done(await command(slack, people.alice, room, "sev 1"))
    note = await slack.wait_for(lambda: said(slack, room, "through PagerDuty"), timeout=10)
    assert note.text.startswith("📟 Rule 'Page payments on critical' paged *Payments API* through PagerDuty")
    [made] = pagerduty_rest.incidents
    assert made.service == "PSVPAY1" and "Critical: Checkout errors" in made.body["body"]["details"]


async def test_conditions_working_hours_and_severity_hold_a_rule_back(
    slack: FakeSlack, people: People, start_bot: StartBot, tmp_path: Path
) -> None:
    execs = slack.add_channel("exec-incidents", people.alice)
    path = rules(
        tmp_path,
        """
[[rule]]
name = "Out of hours"
when = "declared"
if = { working_hours = "outside" }
[[rule.do]]
post = "#exec-incidents"
text = "out of hours: {id}"

[[rule]]
name = "In hours, critical"
when = "declared"
if = { working_hours = "within", severity = ["critical"] }
[[rule.do]]
post = "#exec-incidents"
text = "in hours critical: {id}"
""",
    )
    await start_bot(
        rules_file=path, working_hours="mon-sun 08:00-16:00", business_timezone=zone_at_noon(), **FAST
    )
    await declare(slack, people, "Checkout errors", severity="2")
    await declare(slack, people, "Search down", severity="1")
    await slack.wait_for(lambda: posts(slack, execs, "in hours critical"), timeout=10)
    assert [m.text for m in slack.messages(execs) if "hours" in m.text] == ["in hours critical: 2"]


async def test_timed_rules_fire_once_per_occurrence_from_two_replicas(
    slack: FakeSlack, people: People, start_bot: StartBot, tmp_path: Path, database_url: str
) -> None:
    path = rules(
        tmp_path,
        """
[[rule]]
name = "No lead"
when = "lead_missing"
minutes = 10
[[rule.do]]
remind = "Still no lead after 10 minutes: who is leading?"

[[rule]]
name = "Quiet"
when = "no_update"
minutes = 30
[[rule.do]]
remind = "No update for 30 minutes."
""",
    )
    first = await start_bot(rules_file=path, **FAST)
    second = await start_bot(rules_file=path, **FAST) if database_url.startswith("postgres") else first
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    start = (await first.core.incidents.get(1)).declared_at

    async def sweep_both(after: timedelta) -> int:
        now = start + after
        fired = 0
        for bot in (first, second):
            assert bot.core.automation is not None
            fired += await bot.core.automation.sweep(bot.core.incidents, bot.core.effects, now=now)
        return fired

    assert await sweep_both(timedelta(minutes=5)) == 0
    assert await sweep_both(timedelta(minutes=11)) == 1  # no lead: once, whichever replica
    assert await sweep_both(timedelta(minutes=12)) == 0
    assert await sweep_both(timedelta(minutes=31)) == 1  # quiet since declared
    assert await sweep_both(timedelta(minutes=45)) == 0
    assert done(await command(slack, people.alice, room, "update Rolled back; watching."))
    updated = (await first.core.incidents.last_updates([1]))[1]
    assert await sweep_both(updated - start + timedelta(minutes=29)) == 0
    assert await sweep_both(updated - start + timedelta(minutes=31)) == 1  # quiet again since the update
    await slack.wait_for(lambda: len(posts(slack, room, "No update for 30 minutes.")) == 2, timeout=10)
    assert len(posts(slack, room, "Still no lead")) == 1


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_rule_fires_once_when_the_replica_dies_before_doing_it(
    slack: FakeSlack, people: People, start_bot: StartBot, tmp_path: Path
) -> None:
    execs = slack.add_channel("exec-incidents", people.alice)
    path = rules(
        tmp_path,
        """
[[rule]]
name = "Exec heads-up"
when = "declared"
[[rule.do]]
post = "#exec-incidents"
text = "incident {id}: {title}"
""",
    )
    first = await start_bot(rules_file=path, notification_lease="1s", **FAST)
    die_at("before:rules.fire", first)
    await slack.slash(people.alice, "Checkout errors", people.general)
    view = await slack.wait_for_view(people.alice, "incident_declare")
    await slack.submit(people.alice, view, {})
    await slack.wait_for(lambda: first.dead, timeout=10, what="the replica to die before the rule")
    second = await start_bot(rules_file=path, notification_lease="1s", **FAST)
    await slack.wait_for(lambda: posts(slack, execs, "incident 1"), timeout=15)
    await eventually(lambda: rule_entries(second), timeout=10)
    assert posts(slack, execs, "incident 1") == ["incident 1: Checkout errors"]
    assert await rule_entries(second) == ["Rule 'Exec heads-up' posted to #exec-incidents"]
    await slack.settled(timeout=10)
    forgive_the_dead(slack)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_change_delivered_to_two_replicas_and_retried_fires_its_rule_once(
    slack: FakeSlack, people: People, start_bot: StartBot, tmp_path: Path
) -> None:
    path = rules(
        tmp_path,
        """
[[rule]]
name = "Critical"
when = "severity"
severity = "critical"
[[rule.do]]
remind = "Critical now: bring in the owning team."
""",
    )
    first, _ = await two_replicas(start_bot, slack, rules_file=path, **FAST)
    declared = await declare(slack, people, "Checkout errors", severity="3")
    room = declared.channel
    assert room is not None
    message = await command(slack, people.alice, room, "sev 1")
    await storm(slack, delivery_of(slack, message, "app_mention"))
    await slack.wait_for(lambda: posts(slack, room, "Critical now"), timeout=10)
    await slack.settled()
    await eventually(lambda: rule_entries(first), timeout=10)
    assert len(posts(slack, room, "Critical now")) == 1
    assert await rule_entries(first) == [
        "Rule 'Critical' reminded the channel: Critical now: bring in the owning team."
    ]


async def test_private_and_keyword_conditions_choose_which_incidents_a_rule_is_for(
    slack: FakeSlack, people: People, start_bot: StartBot, tmp_path: Path
) -> None:
    path = rules(
        tmp_path,
        """
[[rule]]
name = "Security in private"
when = "declared"
if = { private = true, keywords = ["leak", "breach"] }
[[rule.do]]
remind = "Security incident: follow the breach runbook."
""",
    )
    bot = await start_bot(rules_file=path, **FAST)
    public = await declare(slack, people, "Credential leak in logs")  # not private
    quiet = await declare(slack, people, "Slow search", private=True)  # private, no keyword
    meant = await declare(slack, people, "Possible breach", private=True)
    assert public.channel and quiet.channel and meant.channel
    await slack.wait_for(lambda: posts(slack, meant.channel, "breach runbook"), timeout=10)
    async with bot.core.db.transaction() as session:
        fired = (await session.scalars(select(Effect.incident_id).where(Effect.kind == "rules.fire"))).all()
    assert fired == [3]  # decided as each was declared: the others never had the rule queued
    assert not posts(slack, public.channel, "breach runbook")
    assert not posts(slack, quiet.channel, "breach runbook")
