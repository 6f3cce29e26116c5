"""The incident channel: made on declare (or by the button), named, set up, private when asked."""

from __future__ import annotations

from tests.conftest import StartBot
from tests.fakeslack import BOT_USER_ID, FakeSlack
from tests.support.bot import RunningBot
from tests.support.flows import button_ids, declare, field_text
from tests.support.people import People


async def test_declaring_creates_a_channel_named_invited_topic_bookmark_and_welcome(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    """inc-<id>-<slug>; reporter, lead and invitees in; topic, bookmark, welcome; headline links it."""
    await start_bot(incident_channel_invitees=people.carol.id)
    declared = await declare(slack, people, "Payments API: returning 500s!", lead=people.bob.id)
    channel = declared.channel
    assert channel is not None and not channel.is_private
    assert channel.name == "inc-1-payments-api-returning-500s"
    assert {people.alice.id, people.bob.id, people.carol.id, BOT_USER_ID} <= channel.members
    assert channel.topic == (
        "🔍 Investigating | Payments API: returning 500s! | http://docs.example.test/incidents/1"
    )
    assert [(b["title"], b["link"]) for b in channel.bookmarks] == [
        ("Incident doc", "http://docs.example.test/incidents/1")
    ]
    welcome = await slack.wait_for_message(channel, lambda m: "This channel is for" in m.text)
    assert "update" in str(welcome.blocks) and "help" in str(welcome.blocks)
    assert f"<#{channel.id}>" in field_text(declared.headline)
    assert "headline_create_channel" not in button_ids(declared.headline)
    note = slack.ephemerals(people.alice)[-1]
    assert f"<#{channel.id}>" in note.text


async def test_a_long_or_unicode_title_still_makes_a_valid_channel_name(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    declared = await declare(slack, people, "Ünïcödé 🔥 " + "very long words " * 8)
    assert declared.channel is not None
    name = declared.channel.name
    assert name.startswith("inc-1-unicode-very-long-words") and len(name) <= 80 and not name.endswith("-")


async def test_a_taken_name_gets_another_name_and_the_other_channel_is_untouched(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    """Someone already has #inc-1-search-is-down (archived, even): the bot picks another, never joins it."""
    other = slack.add_channel("inc-1-search-is-down", people.carol, bot=False)
    other.archived = True
    declared = await declare(slack, people, "Search is down")
    assert declared.channel is not None and declared.channel.name == "inc-1-search-is-down-2"
    assert other.archived and BOT_USER_ID not in other.members and other.messages == []


async def test_a_private_incident_gets_a_private_channel_and_nothing_in_the_public_channel(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    declared = await declare(slack, people, "Payroll data exposure", private=True, lead=people.bob.id)
    channel = declared.channel
    assert channel is not None and channel.is_private
    assert {people.alice.id, people.bob.id} <= channel.members and people.carol.id not in channel.members
    assert declared.headline.channel == channel.id  # the headline lives in the private channel
    assert "🔒" in declared.headline.blocks[0]["text"]["text"]
    assert slack.messages(people.incidents) == []


async def test_without_auto_create_the_headline_button_makes_one_channel_even_if_clicked_twice(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    await start_bot(auto_create_channel=False)
    declared = await declare(slack, people, "Queue backlog")
    assert declared.channel is None
    assert button_ids(declared.headline)[0] == "headline_create_channel"
    await slack.click(people.bob, declared.headline, "headline_create_channel")
    await slack.click(people.carol, declared.headline, "headline_create_channel")
    await slack.wait_for(lambda: "headline_create_channel" not in button_ids(declared.headline))
    await slack.wait_for(
        lambda: [
            c for c in slack.calls("chat.postMessage") if "This channel is for" in c.args.get("text", "")
        ]
    )
    assert len(slack.calls("conversations.create")) == 1
    channel = slack.channel("inc-1-queue-backlog")
    assert f"<#{channel.id}>" in field_text(declared.headline)
    # Whichever click lost the race is told the channel is already there (or being made).
    note = await slack.wait_for(
        lambda: next((e for e in slack.workspace.ephemerals if "already has a channel" in e.text), None)
    )
    assert note.user in (people.bob.id, people.carol.id) and note.channel == people.incidents.id


async def test_a_rename_in_slack_is_tracked(bot: RunningBot, slack: FakeSlack, people: People) -> None:
    """Renaming the channel in Slack's own UI updates the stored name (the event is acked once stored)."""
    declared = await declare(slack, people, "Cache stampede")
    assert declared.channel is not None
    await slack.rename_in_slack(people.bob, declared.channel, "inc-1-redis-cache-stampede")
    await slack.settled()
    incident = await bot.core.incidents.get(1)
    assert incident.channel_name == "inc-1-redis-cache-stampede"
