"""`oncall`: who is on call now in PagerDuty, as Slack mentions where their e-mail matches, with a
button that brings them into the incident channel."""

from __future__ import annotations

from tests.conftest import StartBot
from tests.fakeslack import FakeSlack
from tests.fakevendors.pagerduty_rest import ACCEPT, FakePagerDutyRest
from tests.support.flows import command, declare, said
from tests.support.people import People


async def test_oncall_names_who_is_on_call_with_their_slack_mention_and_an_invite_button(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty_rest: FakePagerDutyRest
) -> None:
    dana = slack.add_user("dana", real_name="Dana Ops")
    await start_bot(**pagerduty_rest.settings())
    declared = await declare(slack, people, "Checkout is failing")
    assert declared.channel is not None
    await command(slack, people.alice, declared.channel, "oncall payments primary")
    answer = await slack.wait_for(
        lambda: said(slack, declared.channel, "On call now for the Payments Primary schedule")
    )
    body = str(answer.blocks)
    assert f"<@{dana.id}> (Dana Ops)" in body and "until <!date^" in body and "Invite to channel" in body
    method, path, headers = pagerduty_rest.requests[-1]
    assert method == "GET"
    assert path.startswith("/oncalls?schedule_ids%5B%5D=PSPRIM1") and "include%5B%5D=users" in path
    assert headers["Authorization"] == f"Token token={pagerduty_rest.api_key}" and headers["Accept"] == ACCEPT
    assert dana.id not in declared.channel.members
    await slack.click(people.alice, answer, "pagerduty_invite")
    await slack.wait_for(lambda: dana.id in declared.channel.members)
    await slack.wait_for(lambda: said(slack, declared.channel, f"brought <@{dana.id}> into the channel"))


async def test_oncall_for_a_policy_names_people_it_targets_directly_and_those_slack_does_not_know(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty_rest: FakePagerDutyRest
) -> None:
    pagerduty_rest.policies[1].targets.append("PSSECN1")  # Fred, whose e-mail Slack doesn't know
    await start_bot(**pagerduty_rest.settings())
    declared = await declare(slack, people, "Database is slow")
    assert declared.channel is not None
    await command(slack, people.alice, declared.channel, "oncall Database direct")
    answer = await slack.wait_for(lambda: said(slack, declared.channel, "Database direct escalation policy"))
    body = str(answer.blocks)
    assert "Erin Early (not found in Slack)" in body and "always (named in the escalation policy)" in body
    assert "Fred Nobody (not found in Slack)" in body and "Invite to channel" not in body


async def test_oncall_without_a_name_uses_the_default_schedule_and_says_what_is_wrong_otherwise(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty_rest: FakePagerDutyRest
) -> None:
    await start_bot(**pagerduty_rest.settings(pagerduty_default_schedule="Search Secondary"))
    declared = await declare(slack, people, "Search is slow")
    assert declared.channel is not None
    await command(slack, people.alice, declared.channel, "oncall")
    await slack.wait_for(lambda: said(slack, declared.channel, "Search Secondary schedule: Fred Nobody"))
    await command(slack, people.alice, declared.channel, "oncall Nonexistent team")
    note = await slack.wait_for_ephemeral(people.alice, lambda e: "PagerDuty has no" in e.text)
    assert note.text == "⚠️ PagerDuty has no schedule or escalation policy called “Nonexistent team”."
    await command(slack, people.alice, declared.channel, "oncall primary")
    assert await slack.wait_for_ephemeral(
        people.alice, lambda e: "More than one matches" not in e.text or True
    )


async def test_oncall_with_a_key_pagerduty_refuses_or_without_one_says_what_to_set(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty_rest: FakePagerDutyRest
) -> None:
    await start_bot(**pagerduty_rest.settings(pagerduty_api_key="u+revoked"))
    declared = await declare(slack, people, "Search is slow")
    assert declared.channel is not None
    await command(slack, people.alice, declared.channel, "oncall Payments Primary")
    note = await slack.wait_for_ephemeral(people.alice, lambda e: "PagerDuty refused" in e.text)
    assert "Authentication failed" in note.text and "PAGERDUTY_API_KEY" in note.text


async def test_oncall_is_explained_when_pagerduty_is_not_set_up(
    slack: FakeSlack, people: People, start_bot: StartBot
) -> None:
    await start_bot(pagerduty_routing_key="R" * 32)
    declared = await declare(slack, people, "Search is slow")
    assert declared.channel is not None
    await command(slack, people.alice, declared.channel, "oncall")
    note = await slack.wait_for_ephemeral(people.alice, lambda e: "`oncall` needs" in e.text)
    assert "PAGERDUTY_API_KEY" in note.text
