"""Steps tests of every tier share: declaring an incident, finding its channel, running a command."""

from __future__ import annotations

from dataclasses import dataclass

from tests.fakeslack import BOT_USER_ID, Channel, FakeSlack, Message, User
from tests.support.people import People


@dataclass
class Declared:
    headline: Message
    channel: Channel | None


async def declare(
    slack: FakeSlack,
    people: People,
    title: str = "Search is down",
    *,
    by: User | None = None,
    private: bool = False,
    **entered: str,
) -> Declared:
    reporter = by or people.alice
    notes_before = len(slack.ephemerals(reporter))
    await slack.slash(reporter, title, people.general)
    view = await slack.wait_for_view(reporter, "incident_declare")
    values: dict[str, object] = dict(entered)
    if private:
        values["private"] = ["private"]
    result = await slack.submit(reporter, view, values)
    assert result.closed, result.errors
    # The reporter's confirmation is the last step of declaring.
    await slack.wait_for(
        lambda: len(slack.ephemerals(reporter)) > notes_before, what="the reporter's confirmation"
    )
    made_by_bot = [c for c in slack.workspace.channels.values() if c.creator == BOT_USER_ID]
    channel = made_by_bot[-1] if made_by_bot else None
    headline_channel = channel if private else people.incidents
    assert headline_channel is not None
    headline = await slack.wait_for_message(headline_channel, is_headline)
    return Declared(headline, channel)


def is_headline(message: Message) -> bool:
    return bool(message.metadata) and message.metadata.get("event_type") == "incident_headline"  # type: ignore[union-attr]


def button_ids(message: Message) -> list[str]:
    return [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def field_text(message: Message) -> str:
    return "\n".join(f["text"] for b in message.blocks if b["type"] == "section" for f in b.get("fields", []))


async def command(slack: FakeSlack, user: User, channel: Channel, text: str) -> Message:
    """`@incident <text>` said in a channel; returns once Slack has its ack (the command has run)."""
    message = await slack.say(user, channel, f"<@{BOT_USER_ID}> {text}")
    await slack.settled()
    return message


def said(slack: FakeSlack, channel: Channel, text: str) -> Message | None:
    """The first message in the channel (or its threads) containing `text`, if there is one."""
    return next((m for m in slack.messages(channel) if text in m.text), None)


def done(message: Message) -> bool:
    return "white_check_mark" in message.reactions
