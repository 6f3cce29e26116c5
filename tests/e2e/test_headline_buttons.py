"""The headline post's Edit and Close buttons, and that they survive a restart."""

from __future__ import annotations

import copy

from tests.e2e.test_declare import headline_fields
from tests.fakeslack import FakeSlack, Message
from tests.support.bot import RunningBot
from tests.support.people import People


async def declare(slack: FakeSlack, people: People, title: str = "Search is down", **entered: str) -> Message:
    await slack.slash(people.alice, title, people.general)
    view = await slack.wait_for_view(people.alice, "incident_declare")
    await slack.submit(people.alice, view, entered)
    return await slack.wait_for_message(people.incidents, lambda m: title in m.text)


def button_ids(message: Message) -> list[str]:
    return [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


async def test_edit_opens_a_prefilled_modal_and_saving_edits_the_same_message(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    """Edit shows current values; Save changes the headline with chat.update, never a second post."""
    headline = await declare(slack, people, summary="Nothing loads", severity="3")
    await slack.click(people.bob, headline, "headline_edit")
    view = await slack.wait_for_view(people.bob, "incident_edit")
    assert view.input("title")["initial_value"] == "Search is down"
    assert view.input("summary")["initial_value"] == "Nothing loads"
    assert view.input("severity")["initial_option"]["value"] == "3"
    assert "initial_user" not in view.input("lead")

    result = await slack.submit(
        people.bob, view, {"title": "Search and browse are down", "lead": people.carol.id, "severity": "1"}
    )
    assert result.closed
    await slack.wait_for_call("chat.update")
    assert len(slack.messages(people.incidents)) == 1
    posts = [c for c in slack.calls("chat.postMessage") if c.args["channel"] == people.incidents.id]
    assert len(posts) == 1
    edited = slack.messages(people.incidents)[0]
    assert edited.ts == headline.ts
    assert "Search and browse are down" in edited.blocks[0]["text"]["text"]
    facts = headline_fields(edited)
    assert "⛈️ Critical" in facts and f"<@{people.carol.id}>" in facts
    incident = await bot.core.incidents.get(1)
    assert incident.summary == "Nothing loads" and incident.lead is not None


async def test_edit_validates_inside_the_modal(bot: RunningBot, slack: FakeSlack, people: People) -> None:
    """An over-long title in the edit modal is answered there, and the headline stays as it was."""
    headline = await declare(slack, people)
    await slack.click(people.bob, headline, "headline_edit")
    view = await slack.wait_for_view(people.bob, "incident_edit")
    result = await slack.submit(people.bob, view, {"title": "t" * 200})
    assert not result.closed and "150 characters" in result.errors["title"]
    assert slack.calls("chat.update") == []


async def test_edit_without_changes_does_not_touch_the_headline(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    """Saving an unchanged form makes no Slack call: nothing redundant."""
    headline = await declare(slack, people)
    await slack.click(people.bob, headline, "headline_edit")
    view = await slack.wait_for_view(people.bob, "incident_edit")
    result = await slack.submit(people.bob, view, {})
    assert result.closed
    await bot.running.slack.background.drain(timeout=2)
    assert slack.calls("chat.update") == []


async def test_close_asks_for_confirmation_then_resolves_and_removes_the_buttons(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    """Close → a confirmation modal; confirming marks it resolved, shows the duration, drops the buttons."""
    headline = await declare(slack, people)
    await slack.click(people.bob, headline, "headline_close")
    confirm = await slack.wait_for_view(people.bob, "incident_close")
    assert "Close *Incident 1*" in str(confirm.blocks)
    incident = await bot.core.incidents.get(1)
    assert incident.is_open  # nothing happens until confirmed

    result = await slack.submit(people.bob, confirm)
    assert result.closed
    await slack.wait_for_call("chat.update")
    closed = slack.messages(people.incidents)[0]
    assert closed.ts == headline.ts
    facts = headline_fields(closed)
    assert "Resolved" in facts and "*Duration*" in facts
    assert button_ids(closed) == []
    incident = await bot.core.incidents.get(1)
    assert incident.resolved_at is not None and not incident.is_open


async def test_closing_twice_tells_the_person_it_was_already_closed(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    """A second confirmation (e.g. from an old modal) changes nothing and says so."""
    headline = await declare(slack, people)
    await slack.click(people.bob, headline, "headline_close")
    first = await slack.wait_for_view(people.bob, "incident_close")
    await slack.click(people.carol, headline, "headline_close")
    second = await slack.wait_for_view(people.carol, "incident_close")
    await slack.submit(people.bob, first)
    await slack.wait_for_call("chat.update")
    await slack.submit(people.carol, second)
    note = await slack.wait_for_ephemeral(people.carol)
    assert "already closed" in note.text
    assert len([c for c in slack.calls("chat.update") if c.args["channel"] == people.incidents.id]) == 1


async def test_edit_on_a_closed_incident_explains_instead_of_opening_the_form(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    """A stale Edit button on a closed incident opens a notice, not an edit form."""
    headline = await declare(slack, people)
    stale = copy.deepcopy(headline)  # what a client that hasn't refreshed still shows
    await slack.click(people.bob, headline, "headline_close")
    await slack.submit(people.bob, await slack.wait_for_view(people.bob, "incident_close"))
    await slack.wait_for_call("chat.update")
    await slack.click(people.carol, stale, "headline_edit")
    view = await slack.wait_for_view(people.carol)
    assert view.title == "Incident closed"
    assert "is closed" in str(view.blocks)


async def test_incidents_and_old_buttons_survive_a_restart(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    """Stop and start the bot: the incident is still there and its headline buttons still work."""
    headline = await declare(slack, people, severity="2")
    await bot.restart()
    await slack.click(people.bob, headline, "headline_edit")
    view = await slack.wait_for_view(people.bob, "incident_edit")
    assert view.input("severity")["initial_option"]["value"] == "2"
    await slack.submit(people.bob, view, {"title": "Search is down after deploy"})
    await slack.wait_for_call("chat.update")
    assert "after deploy" in slack.messages(people.incidents)[0].blocks[0]["text"]["text"]
    await slack.click(people.bob, slack.messages(people.incidents)[0], "headline_close")
    await slack.submit(people.bob, await slack.wait_for_view(people.bob, "incident_close"))
    await slack.wait_for(lambda: button_ids(slack.messages(people.incidents)[0]) == [])
