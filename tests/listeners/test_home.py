"""The App Home tab: open incidents (private ones only to their members) and a Declare button."""

from __future__ import annotations

from tests.fakeslack import FakeSlack, User, View
from tests.support.flows import command, declare
from tests.support.listening import ListeningBot
from tests.support.people import People


async def home_of(slack: FakeSlack, user: User) -> View:
    await slack.open_home(user)
    return await slack.wait_for(
        lambda: slack.workspace.views.get(slack.workspace.home_views.get(user.id, "")), what="a home view"
    )


async def test_home_lists_open_incidents_with_their_state(
    bot: ListeningBot, slack: FakeSlack, people: People
) -> None:
    first = await declare(slack, people, "Payments down", severity="1", lead=people.bob.id)
    await declare(slack, people, "Search slow")
    closing = await declare(slack, people, "Old thing")
    assert closing.channel is not None
    await command(slack, people.alice, closing.channel, "close")
    home = await home_of(slack, people.carol)
    text = str(home.blocks)
    assert "Declare incident" in text
    assert "Incident 1: Payments down" in text and "Incident 2: Search slow" in text
    assert "Old thing" not in text
    assert "⛈️ Critical" in text and "🔍 Investigating" in text and f"Lead <@{people.bob.id}>" in text
    assert first.channel is not None and f"<#{first.channel.id}>" in text
    assert "open " in text


async def test_private_incidents_are_listed_only_to_their_members(
    bot: ListeningBot, slack: FakeSlack, people: People
) -> None:
    await declare(slack, people, "Secret breach", private=True)
    assert "Secret breach" in str((await home_of(slack, people.alice)).blocks)  # the reporter
    assert "Secret breach" not in str((await home_of(slack, people.carol)).blocks)


async def test_the_home_declare_button_opens_the_modal_and_confirms_by_dm(
    bot: ListeningBot, slack: FakeSlack, people: People
) -> None:
    home = await home_of(slack, people.carol)
    await slack.click_view(people.carol, home, "home_declare")
    view = await slack.wait_for_view(people.carol, "incident_declare")
    await slack.submit(people.carol, view, {"title": "Badges not printing"})
    dm = await slack.wait_for(lambda: slack.dms(people.carol), what="a DM to carol")
    assert "Thanks for declaring *Incident 1: Badges not printing*" in dm[-1].text
