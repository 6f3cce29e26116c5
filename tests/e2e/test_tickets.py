"""Follow-ups that become tickets in Jira or Linear: filed from the list's button or when the
incident closes, once each, with links back to the incident; closed in the tracker, they are done
here, once."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from response_bot.integrations.linear import issue_id_for
from response_bot.integrations.tickets import tag
from response_bot.timeline.models import EntryKind
from tests.conftest import StartBot
from tests.fakeslack import Channel, FakeSlack, Message
from tests.fakevendors.jira import FakeJira, adf_text
from tests.fakevendors.linear import FakeLinear
from tests.support.bot import RunningBot
from tests.support.flows import command, declare, done, said
from tests.support.people import People

TOKEN = "api-token-1"
FAST = {"scheduler_tick": "1s", "ticket_poll_seconds": 1, "api_tokens": TOKEN}


def with_jira(fake: FakeJira, **overrides: Any) -> dict[str, Any]:
    return {
        "followup_tracker": "jira",
        "jira_url": fake.url,
        "jira_project": fake.project,
        "jira_email": fake.email,
        "jira_api_token": fake.token,
        **FAST,
        **overrides,
    }


def with_linear(fake: FakeLinear, **overrides: Any) -> dict[str, Any]:
    return {
        "followup_tracker": "linear",
        "linear_team_id": fake.team_id,
        "linear_api_key": fake.api_key,
        "linear_api_url": fake.url,
        **FAST,
        **overrides,
    }


async def listed(slack: FakeSlack, people: People, channel: Channel) -> Message:
    before = len(slack.messages(channel))
    await command(slack, people.alice, channel, "followups")
    return await slack.wait_for(
        lambda: next(
            (m for m in slack.messages(channel)[before:] if m.text.startswith("Follow-ups for Incident")),
            None,
        )
    )


async def followup_entries(bot: RunningBot) -> list[str]:
    return [e.text for e in await bot.core.timeline.entries(1) if e.kind is EntryKind.FOLLOWUP]


async def test_the_button_files_a_jira_issue_linked_both_ways_and_its_closing_marks_it_done(
    slack: FakeSlack, people: People, start_bot: StartBot, jira: FakeJira
) -> None:
    bot = await start_bot(**with_jira(jira))
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    due = date.today() + timedelta(days=3)
    await command(
        slack,
        people.alice,
        room,
        f"followup Add a canary for <#{room.id}|{room.name}> config <@{people.bob.id}> due 3d",
    )
    shown = await listed(slack, people, room)
    assert "Create Jira ticket" in str(shown.blocks)
    await slack.click(people.alice, shown, "followup_ticket")
    note = await slack.wait_for(lambda: said(slack, room, "a follow-up in Jira as"))
    [issue] = jira.created()
    assert note.text.startswith(f"🎫 <@{people.alice.id}> filed") and issue.key in note.text
    assert issue.fields["project"] == {"key": "OPS"} and issue.fields["issuetype"] == {"name": "Task"}
    assert issue.fields["summary"] == f"Add a canary for #{room.name} config"
    assert issue.labels == ["incident", "incident-1", tag(1)]
    description = adf_text(issue.fields["description"])
    assert "Follow-up from Incident 1: Checkout errors" in description
    assert f"Owner: Bob Baker · Due: {due.isoformat()}" in description
    assert "Incident doc <http://docs.example.test/incidents/1>" in description
    assert f"Slack channel <https://slack.com/app_redirect?channel={room.id}>" in description
    ticket_url = f"{jira.url}/browse/{issue.key}"

    again = await listed(slack, people, room)
    assert f"<{ticket_url}|{issue.key}>" in str(again.blocks)
    assert "followup_ticket" not in str(again.blocks)  # filed: no second button
    _, page, _ = await bot.get("/incidents/1")
    assert f'<a class="ticket" href="{ticket_url}">{issue.key}</a>' in page
    _, report, _ = await bot.get("/incidents/1/report.md")
    assert f"ticket [{issue.key}]({ticket_url})" in report
    _, body, _ = await bot.get("/api/v1/incidents/1/followups", headers={"Authorization": f"Bearer {TOKEN}"})
    assert json.loads(body)["items"][0]["ticket"] == {"key": issue.key, "url": ticket_url}

    jira.transition(issue.key, "In Review", "indeterminate")  # not done yet: still open here
    polls = len([p for _, p in jira.requests if p.startswith(f"/rest/api/3/issue/{issue.id}")])
    await slack.wait_for(
        lambda: (
            len([p for _, p in jira.requests if p.startswith(f"/rest/api/3/issue/{issue.id}")]) > polls + 1
        ),
        timeout=10,
    )
    assert not (await bot.core.incidents.followup(1)).done
    jira.transition(issue.key, "Shipped", "done")  # a workflow's own name for done
    closed = await slack.wait_for(lambda: said(slack, room, "is Shipped in Jira"), timeout=10)
    assert "so the follow-up is done: Add a canary" in closed.text
    followup = await bot.core.incidents.followup(1)
    assert followup.done and followup.ticket_closed_at is not None
    polls = len(jira.requests)
    await listed(slack, people, room)  # a round trip through the bot: no more polling of it
    assert len(jira.requests) == polls
    assert (await followup_entries(bot))[1:] == [
        f"Follow-up filed in Jira as {issue.key}: Add a canary for <#{room.id}|{room.name}> config",
        f"Follow-up done ({issue.key} is Shipped in Jira): Add a canary for <#{room.id}|{room.name}> config",
    ]
    assert len([m for m in slack.messages(room) if "is Shipped in Jira" in m.text]) == 1


async def test_closing_files_every_open_follow_up_once_and_leaves_done_and_filed_ones(
    slack: FakeSlack, people: People, start_bot: StartBot, jira: FakeJira
) -> None:
    await start_bot(**with_jira(jira, followup_tickets_on_close=True))
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    for text in ("Add a canary", "Write the runbook", "Fix the alert", "Rotate the key"):
        assert done(await command(slack, people.alice, room, f"followup {text}"))
    shown = await listed(slack, people, room)
    await slack.click(people.alice, shown, "followup_ticket")  # the first: filed by hand
    await slack.wait_for(lambda: said(slack, room, "a follow-up in Jira as"))
    shown = await listed(slack, people, room)
    await slack.click(people.alice, shown, "followup_done", nth=1)  # Write the runbook
    await slack.wait_for(lambda: said(slack, room, "marked a follow-up done"))
    assert done(await command(slack, people.alice, room, "close"))
    await slack.wait_for(lambda: len(jira.created()) == 3, timeout=10)
    await slack.wait_for(lambda: len([m for m in slack.messages(room) if "in Jira as" in m.text]) == 3)
    assert sorted(i.fields["summary"] for i in jira.created()) == [
        "Add a canary",
        "Fix the alert",
        "Rotate the key",
    ]
    assert not any("<@" in m.text for m in slack.messages(room) if m.text.startswith("🎫 Filed"))


async def test_a_filing_whose_answer_was_lost_finds_the_issue_by_its_label(
    slack: FakeSlack, people: People, start_bot: StartBot, jira: FakeJira
) -> None:
    """Jira has no idempotency key: the retry searches for the follow-up's label first."""
    await start_bot(**with_jira(jira, integration_timeout_seconds=0.3))
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    await command(slack, people.alice, room, "followup Add a canary")
    jira.stalls["POST /rest/api/3/issue"] = 0.6
    await slack.click(people.alice, await listed(slack, people, room), "followup_ticket")
    await slack.wait_for(lambda: said(slack, room, "a follow-up in Jira as"), timeout=15)
    assert len(jira.created()) == 1
    assert ("POST", "/rest/api/3/search/jql") in jira.requests


async def test_jira_limiting_our_rate_waits_and_files_once(
    slack: FakeSlack, people: People, start_bot: StartBot, jira: FakeJira
) -> None:
    await start_bot(**with_jira(jira))
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    await command(slack, people.alice, room, "followup Add a canary")
    jira.rate_limit(2, retry_after=1)
    await slack.click(people.alice, await listed(slack, people, room), "followup_ticket")
    await slack.wait_for(lambda: said(slack, room, "a follow-up in Jira as"), timeout=15)
    assert len(jira.created()) == 1


async def test_a_refusal_is_said_in_the_channel_and_files_nothing(
    slack: FakeSlack, people: People, start_bot: StartBot, jira: FakeJira
) -> None:
    bot = await start_bot(**with_jira(jira, jira_issue_type="Epic"))
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    await command(slack, people.alice, room, "followup Add a canary")
    await slack.click(people.alice, await listed(slack, people, room), "followup_ticket")
    problem = await slack.wait_for(lambda: said(slack, room, "Jira refused"))
    assert "issuetype: Specify a valid issue type" in problem.text and "JIRA_ISSUE_TYPE" in problem.text
    assert jira.created() == [] and (await bot.core.incidents.followup(1)).ticket_id is None


async def test_a_ticket_deleted_in_jira_is_said_once_and_no_longer_followed(
    slack: FakeSlack, people: People, start_bot: StartBot, jira: FakeJira
) -> None:
    bot = await start_bot(**with_jira(jira))
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    await command(slack, people.alice, room, "followup Add a canary")
    await slack.click(people.alice, await listed(slack, people, room), "followup_ticket")
    await slack.wait_for(lambda: said(slack, room, "a follow-up in Jira as"))
    jira.issues.clear()
    await slack.wait_for(lambda: said(slack, room, "no longer shows"), timeout=10)
    assert not (await bot.core.incidents.followup(1)).done


async def test_linear_issue_from_the_button_with_a_stable_id_and_completed_marks_it_done(
    slack: FakeSlack, people: People, start_bot: StartBot, linear: FakeLinear
) -> None:
    bot = await start_bot(**with_linear(linear))
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    due = date.today() + timedelta(days=7)
    await command(slack, people.alice, room, f"followup Add a canary due {due.isoformat()}")
    shown = await listed(slack, people, room)
    assert "Create Linear ticket" in str(shown.blocks)
    await slack.click(people.alice, shown, "followup_ticket")
    await slack.wait_for(
        lambda: said(slack, room, "a follow-up in Linear as <https://linear.app/acme/issue/OPS-88/")
    )
    [issue] = linear.issues
    assert issue.id == issue_id_for(tag(1)) and issue.title == "Add a canary"
    assert issue.due_date == due.isoformat()
    assert "Follow-up from **Incident 1**: Checkout errors" in issue.description
    assert "[Incident doc](http://docs.example.test/incidents/1)" in issue.description
    assert f"[Slack channel](https://slack.com/app_redirect?channel={room.id})" in issue.description
    linear.move("OPS-88", "canceled", "Canceled")
    await slack.wait_for(lambda: said(slack, room, "is Canceled in Linear"), timeout=10)
    assert (await bot.core.incidents.followup(1)).done
    assert (await followup_entries(bot))[-1] == "Follow-up done (OPS-88 is Canceled in Linear): Add a canary"


@pytest.mark.parametrize("status", [400, 429])
async def test_linear_rate_limiting_in_either_form_waits_then_files_once(
    slack: FakeSlack, people: People, start_bot: StartBot, linear: FakeLinear, status: int
) -> None:
    await start_bot(**with_linear(linear))
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    await command(slack, people.alice, room, "followup Add a canary")
    linear.rate_limit(1, status=status)
    await slack.click(people.alice, await listed(slack, people, room), "followup_ticket")
    await slack.wait_for(lambda: said(slack, room, "a follow-up in Linear as"), timeout=15)
    assert len(linear.issues) == 1 and linear.operations.count("FollowUpCreate") == 2


async def test_a_linear_filing_whose_answer_was_lost_is_found_by_its_id(
    slack: FakeSlack, people: People, start_bot: StartBot, linear: FakeLinear
) -> None:
    await start_bot(**with_linear(linear, integration_timeout_seconds=0.3))
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    await command(slack, people.alice, room, "followup Add a canary")
    linear.stalls["FollowUpCreate"] = 0.6
    await slack.click(people.alice, await listed(slack, people, room), "followup_ticket")
    await slack.wait_for(lambda: said(slack, room, "a follow-up in Linear as"), timeout=15)
    assert len(linear.issues) == 1
    # The retry asked for the issue by the id it chose, found it, and made no second one.
    assert linear.operations[:2] == ["FollowUpCreate", "FollowUpState"]
    assert linear.operations.count("FollowUpCreate") == 1


async def test_without_a_tracker_there_is_no_ticket_button(
    slack: FakeSlack, people: People, start_bot: StartBot
) -> None:
    await start_bot()
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    await command(slack, people.alice, room, "followup Add a canary")
    assert "followup_ticket" not in str((await listed(slack, people, room)).blocks)
