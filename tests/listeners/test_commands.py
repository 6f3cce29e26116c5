"""Incident commands in the incident channel, by mention and by slash command."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from response_bot.followups.models import FollowUp
from response_bot.incidents.enums import Severity, Status
from response_bot.incidents.models import Incident
from response_bot.timeline.models import EntryKind, TimelineEntry
from tests.fakeslack import BOT_USER_ID, Channel, FakeSlack, User
from tests.support.flows import Declared, button_ids, command, declare, done, field_text
from tests.support.listening import ListeningBot
from tests.support.people import People


async def incident(bot: ListeningBot) -> Incident:
    return await bot.core.incidents.get(1)


async def timeline(bot: ListeningBot) -> list[TimelineEntry]:
    async with bot.core.db.transaction() as session:
        rows = await session.execute(select(TimelineEntry).order_by(TimelineEntry.id))
        return list(rows.scalars())


async def last_note(slack: FakeSlack, user: User) -> str:
    return (await slack.wait_for_ephemeral(user)).text if slack.ephemerals(user) else ""


@pytest.fixture
async def declared(bot: ListeningBot, slack: FakeSlack, people: People) -> Declared:
    result = await declare(slack, people, "Checkout errors")
    assert result.channel is not None
    for person in (people.bob, people.carol):
        await slack.join(person, result.channel)
    await slack.settled()
    slack.workspace.ephemerals.clear()
    return result


def room(declared: Declared) -> Channel:
    assert declared.channel is not None
    return declared.channel


@pytest.mark.parametrize("spelling", ["sev 1", "Sev SEV-1", "severity Critical", "SEVERITY sev1"])
async def test_severity_in_any_accepted_spelling(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared, spelling: str
) -> None:
    message = await command(slack, people.bob, room(declared), spelling)
    assert done(message)
    assert (await incident(bot)).severity is Severity.CRITICAL
    await slack.wait_for(lambda: "⛈️ Critical" in field_text(declared.headline))
    assert (await timeline(bot))[-1].kind is EntryKind.SEVERITY


async def test_a_bad_severity_is_explained_and_changes_nothing(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    before = len(await timeline(bot))
    message = await command(slack, people.bob, room(declared), "sev 9")
    assert not done(message)
    note = await slack.wait_for_ephemeral(people.bob)
    assert "'9' isn't a severity" in note.text and "4 or trivial" in note.text
    assert note.channel == room(declared).id
    assert (await incident(bot)).severity is None
    assert len(await timeline(bot)) == before


async def test_status_moves_on_and_the_topic_follows(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    assert done(await command(slack, people.bob, room(declared), "status Identified"))
    assert (await incident(bot)).status is Status.IDENTIFIED
    assert room(declared).topic.startswith("🎯 Identified | Checkout errors")
    await slack.wait_for(lambda: "Identified" in field_text(declared.headline))
    assert not done(await command(slack, people.bob, room(declared), "status fixed"))
    assert (
        "investigating, identified, monitoring, resolved" in (await slack.wait_for_ephemeral(people.bob)).text
    )


async def test_lead_by_mention_in_either_form_or_yourself(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    assert done(await command(slack, people.alice, room(declared), f"lead <@{people.bob.id}>"))
    assert (await incident(bot)).lead.slack_id == people.bob.id  # type: ignore[union-attr]
    assert done(await command(slack, people.alice, room(declared), f"LEAD <@{people.carol.id}|carol>"))
    assert (await incident(bot)).lead.slack_id == people.carol.id  # type: ignore[union-attr]
    assert done(await command(slack, people.bob, room(declared), "lead"))
    assert (await incident(bot)).lead.slack_id == people.bob.id  # type: ignore[union-attr]
    await slack.wait_for(lambda: f"*Lead*\n<@{people.bob.id}>" in field_text(declared.headline))


async def test_lead_refuses_bots_and_unclear_arguments(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    robot = slack.add_user("deploybot", is_bot=True)
    assert not done(await command(slack, people.alice, room(declared), f"lead <@{robot.id}>"))
    assert "is a bot" in (await slack.wait_for_ephemeral(people.alice)).text
    slack.workspace.ephemerals.clear()
    assert not done(await command(slack, people.alice, room(declared), "lead bob please"))
    assert "Mention the person" in (await slack.wait_for_ephemeral(people.alice)).text
    assert (await incident(bot)).lead is None


async def test_roles_from_configuration(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    assert done(await command(slack, people.alice, room(declared), f"role Comms <@{people.carol.id}>"))
    holders = (await incident(bot)).holders
    assert holders["comms"].slack_id == people.carol.id
    assert not done(await command(slack, people.alice, room(declared), f"role ceo <@{people.bob.id}>"))
    assert "Roles: lead, comms, scribe" in (await slack.wait_for_ephemeral(people.alice)).text
    slack.workspace.ephemerals.clear()
    assert not done(await command(slack, people.alice, room(declared), "role"))
    assert "role comms @someone" in (await slack.wait_for_ephemeral(people.alice)).text


async def test_update_keeps_every_line_posts_it_and_threads_it_under_the_headline(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    text = "Rolled back the deploy.\nErrors are dropping.\n\n<!channel> watch the graphs"
    message = await command(slack, people.bob, room(declared), f"Update {text}")
    assert done(message)
    posted = await slack.wait_for_message(room(declared), lambda m: "Update on Incident 1" in m.text)
    assert "Errors are dropping." in posted.text and "&lt;!channel&gt;" in posted.text
    threaded = await slack.wait_for_message(people.incidents, lambda m: m.thread_ts == declared.headline.ts)
    assert "Rolled back the deploy." in threaded.text
    entry = (await timeline(bot))[-1]
    assert entry.kind is EntryKind.UPDATE and entry.text == text


async def test_followup_and_its_old_name_action_log_a_follow_up(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    assert done(await command(slack, people.bob, room(declared), "followup Add an alert on checkout 5xx"))
    assert done(await command(slack, people.bob, room(declared), "action Page the payments team sooner"))
    async with bot.core.db.transaction() as session:
        texts = (await session.execute(select(FollowUp.text).order_by(FollowUp.id))).scalars().all()
    assert texts == ["Add an alert on checkout 5xx", "Page the payments team sooner"]
    assert [e.text for e in await timeline(bot) if e.kind is EntryKind.FOLLOWUP] == [
        "Follow-up: Add an alert on checkout 5xx",
        "Follow-up: Page the payments team sooner",
    ]
    assert not done(await command(slack, people.bob, room(declared), "followup"))


async def test_summary_shows_sets_and_asks_before_replacing(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    assert done(await command(slack, people.bob, room(declared), "summary"))
    shown = await slack.wait_for_ephemeral(people.bob)
    assert "doesn't have a summary yet" in str(shown.blocks)

    assert done(await command(slack, people.bob, room(declared), "summary Card payments fail at checkout"))
    assert (await incident(bot)).summary == "Card payments fail at checkout"

    slack.workspace.ephemerals.clear()
    assert done(await command(slack, people.bob, room(declared), "summary Only Visa cards fail"))
    prompt = await slack.wait_for_ephemeral(people.bob)
    assert "Card payments fail at checkout" in str(prompt.blocks) and "Only Visa cards fail" in str(
        prompt.blocks
    )
    assert (await incident(bot)).summary == "Card payments fail at checkout"  # not yet
    await slack.click_ephemeral(people.bob, prompt, "text_proposal_accept")
    await slack.wait_for(lambda: "is now" in prompt.text)
    assert (await incident(bot)).summary == "Only Visa cards fail"
    assert prompt.blocks == []  # the prompt was replaced: no buttons left to click twice


async def test_declining_a_proposed_impact_keeps_the_current_one(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    await command(slack, people.bob, room(declared), "impact EU shoppers")
    await command(slack, people.bob, room(declared), "impact Everyone")
    prompt = await slack.wait_for_ephemeral(people.bob, lambda e: bool(e.blocks))
    await slack.click_ephemeral(people.bob, prompt, "text_proposal_decline")
    await slack.wait_for(lambda: "Kept the current impact" in prompt.text)
    assert (await incident(bot)).impact == "EU shoppers"


async def test_the_change_button_edits_the_summary_in_a_modal(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    await command(slack, people.bob, room(declared), "summary")
    shown = await slack.wait_for_ephemeral(people.bob)
    await slack.click_ephemeral(people.bob, shown, "text_change")
    view = await slack.wait_for_view(people.bob, "incident_change_text")
    result = await slack.submit(people.bob, view, {"text": "Visa only"})
    assert result.closed
    await slack.wait_for_message(room(declared), lambda m: "updated the summary" in m.text)
    assert (await incident(bot)).summary == "Visa only"


async def test_rename_uses_the_naming_rules_and_reports_a_taken_name(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    assert done(await command(slack, people.bob, room(declared), "rename Visa Outage"))
    assert room(declared).name == "inc-1-visa-outage"
    assert (await incident(bot)).channel_name == "inc-1-visa-outage"
    slack.add_channel("inc-1-taken", bot=False)
    assert not done(await command(slack, people.bob, room(declared), "rename taken"))
    assert "#inc-1-taken is already taken" in (await slack.wait_for_ephemeral(people.bob)).text


async def test_duration_help_and_unknown_commands(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    assert done(await command(slack, people.bob, room(declared), "duration"))
    await slack.wait_for_message(room(declared), lambda m: "has been running for" in m.text)
    assert done(await command(slack, people.bob, room(declared), "help"))
    help_text = (await slack.wait_for_ephemeral(people.bob)).text
    for name in (
        "summary",
        "impact",
        "lead",
        "`severity` / `sev`",
        "status",
        "role",
        "update",
        "`followup` / `action`",
        "rename",
        "duration",
        "close",
        "reopen",
    ):
        assert name in help_text
    slack.workspace.ephemerals.clear()
    assert not done(await command(slack, people.bob, room(declared), "frobnicate now"))
    assert "I don't know the command `frobnicate`" in (await slack.wait_for_ephemeral(people.bob)).text


async def test_close_and_reopen(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    assert done(await command(slack, people.bob, room(declared), "close"))
    assert (await incident(bot)).status is Status.RESOLVED
    await slack.wait_for(lambda: button_ids(declared.headline) == [])
    assert room(declared).topic.startswith("✅ Resolved")
    await slack.wait_for_message(room(declared), lambda m: "was closed by" in m.text)
    assert not done(await command(slack, people.bob, room(declared), "close"))
    assert "already closed" in (await slack.wait_for_ephemeral(people.bob)).text
    assert done(await command(slack, people.bob, room(declared), "reopen"))
    assert (await incident(bot)).status is Status.INVESTIGATING
    await slack.wait_for(lambda: "headline_close" in button_ids(declared.headline))
    assert room(declared).topic.startswith("🔍 Investigating")


async def test_slash_commands_in_the_incident_channel_use_the_same_registry(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    await slack.slash(people.carol, "sev minor", room(declared))
    assert (await incident(bot)).severity is Severity.MINOR
    assert "Done" in (await slack.wait_for_ephemeral(people.carol)).text
    slack.workspace.ephemerals.clear()
    await slack.slash(people.carol, "sev nope", room(declared))
    assert "isn't a severity" in (await slack.wait_for_ephemeral(people.carol)).text
    assert slack.screen(people.carol) is None  # no declare modal for a command


async def test_outside_an_incident_channel_commands_point_the_way(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    await slack.slash(people.carol, "close", people.general)
    assert "work inside an incident's channel" in (await slack.wait_for_ephemeral(people.carol)).text
    slack.workspace.ephemerals.clear()
    await slack.slash(people.carol, "help", people.general)
    assert "Incident commands" in (await slack.wait_for_ephemeral(people.carol)).text
    await slack.slash(people.carol, "status page is down", people.general)
    view = await slack.wait_for_view(people.carol, "incident_declare")
    assert view.input("title")["initial_value"] == "status page is down"
    assert (await incident(bot)).status is Status.INVESTIGATING


async def test_a_retried_command_event_has_one_effect(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    await command(slack, people.bob, room(declared), "update Deploy rolled back")
    mention = next(d for d in slack.hub.deliveries if d.payload.get("event", {}).get("type") == "app_mention")
    for attempt in (1, 2, 3):
        await slack.hub.redeliver(mention, attempt)
    await slack.settled()
    updates = [e for e in await timeline(bot) if e.kind is EntryKind.UPDATE]
    assert len(updates) == 1
    assert len([m for m in slack.messages(room(declared)) if "Update on Incident 1" in m.text]) == 1


async def test_mentions_in_passing_and_bot_messages_are_not_commands(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    before = len(await timeline(bot))
    message = await slack.say(people.bob, room(declared), f"thanks <@{BOT_USER_ID}>, close enough")
    await slack.settled()
    assert not done(message) and slack.ephemerals(people.bob) == []
    async with bot.core.db.transaction() as session:
        count = (await session.execute(select(func.count()).select_from(TimelineEntry))).scalar_one()
    assert count == before
