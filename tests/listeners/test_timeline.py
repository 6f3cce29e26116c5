"""Timeline capture: pins, the timeline emoji, the message shortcut, edits and deletions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from response_bot.timeline.models import EntryKind, TimelineEntry
from tests.fakeslack import Channel, FakeSlack
from tests.listeners.conftest import StartBot
from tests.support.flows import Declared, declare
from tests.support.listening import ListeningBot
from tests.support.people import People


async def messages(bot: ListeningBot) -> list[TimelineEntry]:
    entries = await bot.core.timeline.entries(1)
    return [e for e in entries if e.kind is EntryKind.MESSAGE]


@pytest.fixture
async def declared(bot: ListeningBot, slack: FakeSlack, people: People) -> Declared:
    result = await declare(slack, people, "Checkout errors")
    assert result.channel is not None
    await slack.join(people.bob, result.channel)
    await slack.settled()
    return result


def room(declared: Declared) -> Channel:
    assert declared.channel is not None
    return declared.channel


async def test_a_pinned_message_keeps_its_time_author_text_and_link(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    said = await slack.say(
        people.bob, room(declared), "Errors started after deploy <https://ci.example/123|#123>"
    )
    await slack.pin(people.alice, said)
    await slack.settled()
    [entry] = await messages(bot)
    assert entry.occurred_at == datetime.fromtimestamp(float(said.ts), UTC)
    assert entry.author is not None and entry.author.slack_id == people.bob.id
    assert entry.text == said.text  # raw, exactly as Slack sent it
    assert entry.permalink and said.ts.replace(".", "") in entry.permalink
    assert entry.sources == ["pin"]


async def test_unpinning_removes_the_entry(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    said = await slack.say(people.bob, room(declared), "Temporary note")
    await slack.pin(people.bob, said)
    await slack.settled()
    await slack.unpin(people.bob, said)
    await slack.settled()
    assert await messages(bot) == []


async def test_the_timeline_emoji_captures_a_message_even_in_a_thread(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    parent = await slack.say(people.bob, room(declared), "Investigating the DB")
    reply = await slack.say(people.alice, room(declared), "Replica lag is 40s", thread_ts=parent.ts)
    await slack.react(people.bob, reply, "pushpin")
    await slack.react(people.bob, parent, "eyes")  # any other emoji does nothing
    await slack.settled()
    [entry] = await messages(bot)
    assert (
        entry.text == "Replica lag is 40s"
        and entry.author is not None
        and entry.author.slack_id == people.alice.id
    )
    assert entry.permalink is not None and f"thread_ts={parent.ts}" in entry.permalink


async def test_the_timeline_emoji_is_configurable(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    bot = await start_bot(timeline_emoji=":bookmark:")
    channel = (await declare(slack, people, "Cache")).channel
    assert channel is not None
    said = await slack.say(people.alice, channel, "Cache flushed")
    await slack.react(people.alice, said, "pushpin")
    await slack.react(people.alice, said, "bookmark")
    await slack.settled()
    assert [e.text for e in await messages(bot)] == ["Cache flushed"]


async def test_removing_the_last_timeline_reaction_removes_the_entry(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    said = await slack.say(people.bob, room(declared), "Maybe relevant")
    await slack.react(people.bob, said, "pushpin")
    await slack.react(people.alice, said, "pushpin")
    await slack.settled()
    await slack.unreact(people.bob, said, "pushpin")
    await slack.settled()
    assert len(await messages(bot)) == 1  # alice's pushpin still holds it
    await slack.unreact(people.alice, said, "pushpin")
    await slack.settled()
    assert await messages(bot) == []


async def test_the_message_shortcut_adds_from_the_channel_and_from_threads(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    parent = await slack.say(people.bob, room(declared), "Rolled back")
    reply = await slack.say(people.bob, room(declared), "Confirmed healthy", thread_ts=parent.ts)
    for message in (parent, reply):
        await slack.message_shortcut(people.alice, message, "timeline_add")
    await slack.settled()
    assert [e.text for e in await messages(bot)] == ["Rolled back", "Confirmed healthy"]
    note = await slack.wait_for_ephemeral(people.alice, lambda e: "Added to the incident timeline" in e.text)
    assert note.channel == room(declared).id


async def test_the_shortcut_outside_an_incident_channel_says_so(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    said = await slack.say(people.alice, people.general, "unrelated")
    await slack.message_shortcut(people.alice, said, "timeline_add")
    note = await slack.wait_for_ephemeral(people.alice, lambda e: "isn't in an incident channel" in e.text)
    assert note.channel == people.general.id
    assert await messages(bot) == []


async def test_one_message_captured_twice_is_one_entry(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    said = await slack.say(people.bob, room(declared), "Root cause: expired cert")
    await slack.pin(people.bob, said)
    await slack.react(people.alice, said, "pushpin")
    await slack.message_shortcut(people.alice, said, "timeline_add")
    await slack.settled()
    [entry] = await messages(bot)
    assert entry.sources == ["pin", "reaction", "shortcut"]
    await slack.unpin(people.bob, said)
    await slack.settled()
    assert len(await messages(bot)) == 1  # still held by the reaction and the shortcut


async def test_edits_update_the_entry_and_deletions_mark_it(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    said = await slack.say(people.bob, room(declared), "Error rate 50%")
    await slack.pin(people.bob, said)
    await slack.settled()
    await slack.edit(people.bob, said, "Error rate 5%")
    await slack.settled()
    [entry] = await messages(bot)
    assert entry.text == "Error rate 5%" and entry.edited_at is not None
    await slack.delete(people.bob, said)
    await slack.settled()
    [entry] = await messages(bot)
    assert entry.deleted_at is not None


async def test_timeline_is_in_message_time_order_with_automatic_entries(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    first = await slack.say(people.bob, room(declared), "first")
    second = await slack.say(people.bob, room(declared), "second")
    await slack.pin(people.bob, second)
    await slack.settled()
    await slack.pin(people.bob, first)  # pinned later, happened earlier
    await slack.settled()
    entries = await bot.core.timeline.entries(1)
    assert [e.kind for e in entries][:2] == [EntryKind.DECLARED, EntryKind.CHANNEL]
    assert [e.text for e in entries if e.kind is EntryKind.MESSAGE] == ["first", "second"]
    assert entries == sorted(entries, key=lambda e: e.occurred_at)


async def test_pins_outside_incident_channels_are_ignored(
    bot: ListeningBot, slack: FakeSlack, people: People, declared: Declared
) -> None:
    said = await slack.say(people.alice, people.general, "not an incident")
    await slack.pin(people.alice, said)
    await slack.settled()
    assert await messages(bot) == []
